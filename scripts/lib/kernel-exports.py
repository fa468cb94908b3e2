#!/usr/bin/env python3
"""Write a Module.symvers-format list of the symbols a configured kernel tree
exports, without building the kernel.

    kernel-exports.py SRCTREE OBJTREE SRCARCH > exports.symvers

A tree prepared with "make modules_prepare" has no Module.symvers (that comes
from linking vmlinux and every module), so modpost cannot tell an external
module's genuinely undefined symbols from the kernel's.  This reads every
EXPORT_SYMBOL*() (and EXPORT_TRACEPOINT_SYMBOL*()) in SRCTREE's C and
assembler sources, keeps those whose object the configuration OBJTREE/.config
builds, and prints them as Module.symvers lines (CRC 0: the board configs
have CONFIG_MODVERSIONS unset), for KBUILD_EXTRA_SYMBOLS.

"The configuration builds it" is decided from the Kbuild makefiles, not by
building: the object must be listed in its directory's Makefile/Kbuild under
obj-y/obj-m/lib-y or obj-$(CONFIG_X) with every CONFIG_X set (y or m), or in
a composite object's list that is itself built that way, and every directory
up to the top must be entered the same way.  Conditionals (ifdef/ifeq) in the
makefiles are not evaluated, and an object or directory that no makefile
names is taken as built: the list can only be too long, never too short, so
a symbol that modpost still reports undefined with it is undefined indeed.
Exports made through macros are followed within one file: a macro whose
body exports, invoked in the file, and a "list header" (like x86's
asm/GEN-for-each-reg.h, one GEN(reg) per register) included under a
"#define GEN(reg) ..." that exports, directly or through the file's other
macros (arch/x86/lib/retpoline.S's indirect thunks, kernel/cgroup's
per-subsystem static keys).
The module column is "vmlinux" for built-in objects and DIR/NAME for objects
of an =m module, as a real Module.symvers would have it.
"""
import os
import re
import sys

EXPORT_RE = re.compile(
    r'^\s*(?:EXPORT_|ACPI_EXPORT_|__EXPORT_)(SYMBOL|SYMBOL_GPL|SYMBOL_NS|'
    r'SYMBOL_NS_GPL|SYMBOL_INIT|TRACEPOINT_SYMBOL|TRACEPOINT_SYMBOL_GPL|'
    r'PER_CPU_SYMBOL|PER_CPU_SYMBOL_GPL|STATIC_CALL|STATIC_CALL_GPL|'
    r'STATIC_CALL_TRAMP|STATIC_CALL_TRAMP_GPL|THUNK|INDIRECT_CALLABLE)\s*\(\s*(\w+)\s*'
    r'(?:,\s*"?(\w+)"?\s*)?\)', re.M)
# The same anywhere in a line (after macro expansion, e.g. "x; EXPORT_SYMBOL(y)").
EXPORT_ANY_RE = re.compile(r'\b' + EXPORT_RE.pattern[len(r'^\s*'):])
# Exports inside a macro's body: "#define NAME(params) ... EXPORT_SYMBOL(x)"
# where x is made of the parameters (e.g. ibdev_err, _dev_err, get_random_u32).
DEFINE_RE = re.compile(r'^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)',
                       re.M)
MACRO_EXPORT_RE = re.compile(
    r'\b(?:EXPORT_|ACPI_EXPORT_)(SYMBOL|SYMBOL_GPL|SYMBOL_NS|SYMBOL_NS_GPL)'
    r'\s*\(\s*([\w\s#]+?)\s*(?:,\s*"?(\w+)"?\s*)?\)')
ASSIGN_RE = re.compile(r'^\s*([\w$()\-./]+)\s*(?:\+=|:=|\?=|=)\s*(.*)$')
CONFIG_RE = re.compile(r'\$\(CONFIG_(\w+)\)')
# Preprocessor lines (matched per line: compiled once, tried only on lines
# with a "#").
COND_RE = re.compile(r'^\s*#\s*(ifdef|ifndef|if|else|endif)\b\s*(.*?)\s*$')
COND_IF_RE = re.compile(r'(?:IS_ENABLED|defined)\s*\(\s*(CONFIG_\w+)\s*\)')
FN_DEFINE_RE = re.compile(r'^\s*#\s*define\s+(\w+)\(([^)]*)\)(.*)$')
UNDEF_RE = re.compile(r'^\s*#\s*undef\s+(\w+)')
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*<([\w/.\-]+)>')
SKIP_TOP = {'Documentation', 'tools', 'samples', 'scripts', 'usr', 'LICENSES',
            'debian', '.git'}


def read_config(path):
    conf = {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = re.match(r'^CONFIG_(\w+)=(.*)$', line)
            if m:
                conf[m.group(1)] = m.group(2)
    return conf


class Tree:
    def __init__(self, src, conf):
        self.src = src
        self.conf = conf
        self.stmts = {}
        self.memo = {}

    def statements(self, d):
        """(variable, [tokens]) of every assignment in d's Makefile/Kbuild."""
        if d in self.stmts:
            return self.stmts[d]
        out = []
        for name in ('Kbuild', 'Makefile'):
            p = os.path.join(self.src, d, name)
            if not os.path.isfile(p):
                continue
            with open(p, encoding='utf-8', errors='replace') as f:
                text = f.read().replace('\\\n', ' ')
            for line in text.split('\n'):
                line = line.split('#', 1)[0]
                m = ASSIGN_RE.match(line)
                if m:
                    out.append((m.group(1), m.group(2).split()))
        self.stmts[d] = out
        return out

    def configs_set(self, var):
        """None if a CONFIG_ in var is unset, else 'm' if one is =m, else 'y'."""
        state = 'y'
        for c in CONFIG_RE.findall(var):
            v = self.conf.get(c)
            if v not in ('y', 'm'):
                return None
            if v == 'm':
                state = 'm'
        return state

    def status(self, d, token, depth=0):
        """None: not built; 'y': built in; ('m', name): in module name."""
        key = (d, token)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = 'y'     # cycles: assume built
        result = None
        named = False
        for var, toks in self.statements(d):
            if token not in toks:
                continue
            m = re.match(r'^(obj|lib|core|drivers|libs|head|net|virt)-(.*)$', var)
            if m:
                named = True
                st = self.configs_set(var)
                if st is None:
                    continue
                if st == 'm' and token.endswith('.o'):
                    result = ('m', os.path.join(d, token[:-2]))
                else:
                    result = result or 'y'
                if result != 'y':
                    break
                continue
            m = re.match(r'^([\w\-]+)-(y|objs|\$\(CONFIG_\w+\))$', var)
            if m and depth < 4:
                named = True
                if self.configs_set(var) is None:
                    continue
                st = self.status(d, m.group(1) + '.o', depth + 1)
                if st is not None:
                    result = st
                    break
        if not named:
            result = 'y'
        if result is not None and depth == 0:
            up = self.dir_status(d)
            if up is None:
                result = None
            elif up != 'y' and result == 'y':
                result = up
        self.memo[key] = result
        return result

    def dir_status(self, d):
        if d in ('', '.') or '/' not in d and d in ('kernel', 'mm', 'fs', 'ipc',
                                                     'security', 'crypto', 'block',
                                                     'io_uring', 'init', 'lib',
                                                     'certs', 'virt', 'net',
                                                     'drivers', 'sound', 'arch'):
            return 'y'
        parent, base = os.path.split(d)
        st = self.status(parent, base + '/')
        if st is None:
            return None
        # a directory of modules: its objects say 'm' themselves
        return 'y'


def macro_exports(text):
    """Exports made by invoking, in the same file, a macro that exports."""
    found = []
    for m in DEFINE_RE.finditer(text):
        name, params = m.group(1), [p.strip() for p in m.group(2).split(',')]
        body = m.group(3)
        for kind, expr, ns in MACRO_EXPORT_RE.findall(body):
            toks = [t for t in re.split(r'\s*##\s*', expr.strip()) if t]
            if not any(t in params for t in toks):
                continue
            inv = re.compile(r'^[ \t]*' + name + r'\s*\(([^()]*)\)', re.M)
            for call in inv.finditer(text):
                args = [a.strip() for a in call.group(1).split(',')]
                if len(args) != len(params):
                    continue
                val = dict(zip(params, args))
                sym = ''.join(val.get(t, t) for t in toks)
                if re.fullmatch(r'\w+', sym):
                    found.append((kind, sym, ns))
    return found


def strip_conditionals(text, conf):
    """text with "#ifdef/#ifndef CONFIG_X", "#if IS_ENABLED(CONFIG_X)" and
    "#if defined(CONFIG_X)" ... #else ... #endif resolved against the
    configuration (other conditionals are kept whole: too long, not short)."""
    out, stack, active = [], [], True
    for line in text.split('\n'):
        m = COND_RE.match(line) if '#' in line else None
        if m:
            d, arg = m.groups()
            if d == 'if':
                c = COND_IF_RE.fullmatch(arg)
                arg = c.group(1) if c else ''
            if d in ('ifdef', 'ifndef', 'if'):
                known = arg.startswith('CONFIG_')
                val = conf.get(arg[7:]) in ('y', 'm') if known else True
                stack.append((known, val if d != 'ifndef' else not val))
            elif d == 'else' and stack:
                known, val = stack[-1]
                stack[-1] = (known, not val if known else True)
            elif d == 'endif' and stack:
                stack.pop()
            active = all(val for _, val in stack)
            continue
        if active:
            out.append(line)
    return '\n'.join(out)


def expand(text, macros, depth=0):
    """text with the function-like macros of macros ({name: (params, body)})
    expanded (arguments without parentheses), "##" pasted."""
    if depth > 6 or not macros:
        return text
    call = re.compile(r'\b(' + '|'.join(map(re.escape, macros)) + r')\s*\(([^()]*)\)')

    def sub(m):
        params, body = macros[m.group(1)]
        args = [a.strip() for a in m.group(2).split(',')]
        if len(args) != len(params):
            return m.group(0)
        val = dict(zip(params, args))
        body = re.sub(r'\b\w+\b', lambda t: val.get(t.group(0), t.group(0)), body)
        return re.sub(r'\s*##\s*', '', body)

    new = call.sub(sub, text)
    return new if new == text else expand(new, macros, depth + 1)


def list_exports(text, src, srcarch, conf):
    """Exports made by a "list header": a header of NAME(arg) lines included
    right after "#define NAME(param) ..." whose body exports, maybe through
    other macros of the same file, e.g. arch/x86/lib/retpoline.S:
        #define GEN(reg) __EXPORT_THUNK(__x86_indirect_thunk_ ## reg)
        #include <asm/GEN-for-each-reg.h>
    with asm/GEN-for-each-reg.h listing GEN(rax) ... GEN(r15) (under
    CONFIG_64BIT; its #ifdef CONFIG_ are resolved against the configuration).
    """
    if '#include' not in text or 'define' not in text:
        return []
    macros, found = {}, []
    lines = text.replace('\\\n', ' ').split('\n')
    for line in lines:
        if '#' not in line:
            continue
        m = FN_DEFINE_RE.match(line)
        if m:
            macros[m.group(1)] = ([p.strip() for p in m.group(2).split(',')],
                                  m.group(3).strip())
            continue
        m = UNDEF_RE.match(line)
        if m:
            macros.pop(m.group(1), None)
            continue
        m = INCLUDE_RE.match(line)
        if not m or not macros:
            continue
        for inc in ('arch/%s/include' % srcarch, 'include'):
            path = os.path.join(src, inc, m.group(1))
            if os.path.isfile(path):
                break
        else:
            continue
        with open(path, encoding='utf-8', errors='replace') as f:
            body = strip_conditionals(f.read(), conf)
        body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
        calls = [ln.strip() for ln in body.split('\n') if ln.strip()]
        # a list header: nothing but invocations of one macro
        names = {re.match(r'^(\w+)\s*\(', c).group(1) if re.match(r'^\w+\s*\(\s*\w+\s*\)$', c)
                 else None for c in calls}
        if len(names) != 1 or None in names or next(iter(names)) not in macros:
            continue
        for kind, sym, ns in EXPORT_ANY_RE.findall(expand('\n'.join(calls), macros)):
            found.append((kind, sym, ns))
    return found


def exported_names(kind, sym, srcarch):
    """The symbols one export macro defines (x86 alone has static calls)."""
    static_call = srcarch == 'x86'
    if kind.startswith('TRACEPOINT'):
        names = ['__tracepoint_' + sym, '__traceiter_' + sym,
                 '__SCK__tp_func_' + sym]
        if static_call:
            names.append('__SCT__tp_func_' + sym)
        return names
    if kind.startswith('STATIC_CALL_TRAMP'):
        return ['__SCT__' + sym] if static_call else []
    if kind.startswith('STATIC_CALL'):
        return ['__SCK__' + sym] + (['__SCT__' + sym] if static_call else [])
    return [sym]


def main():
    src, obj, srcarch = sys.argv[1:4]
    tree = Tree(src, read_config(os.path.join(obj, '.config')))
    seen = set()
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        parts = rel.split(os.sep)
        if rel == '.':
            dirs[:] = [x for x in dirs if x not in SKIP_TOP]
        elif parts[0] == 'arch' and len(parts) == 1:
            dirs[:] = [x for x in dirs if x == srcarch]
        dirs.sort()
        for fn in sorted(files):
            if not fn.endswith(('.c', '.S', '.h')):
                continue
            with open(os.path.join(root, fn), encoding='utf-8', errors='replace') as f:
                text = f.read()
            if 'EXPORT_' not in text:
                continue
            exports = (EXPORT_RE.findall(text) + macro_exports(text) +
                       list_exports(text, src, srcarch, tree.conf))
            if not exports:
                continue
            d = '' if rel == '.' else rel
            # an export in a .h counts when its directory is built
            st = (tree.dir_status(d) if fn.endswith('.h')
                  else tree.status(d, fn[:-2] + '.o'))
            if st is None:
                continue
            module = 'vmlinux' if st == 'y' else st[1]
            for kind, sym, ns in exports:
                gpl = 'EXPORT_SYMBOL_GPL' if kind.endswith('GPL') else 'EXPORT_SYMBOL'
                names = exported_names(kind, sym, srcarch)
                if 'NS' not in kind:
                    ns = ''
                for n in names:
                    if n in seen:
                        continue
                    seen.add(n)
                    print(f'0x00000000\t{n}\t{module}\t{gpl}\t{ns}')


if __name__ == '__main__':
    main()
