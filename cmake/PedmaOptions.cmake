# Build options shared by every userspace target.
option(PEDMA_SANITIZE "Build userspace with AddressSanitizer and UBSan" OFF)
option(PEDMA_LAB_TESTS "Register the lab tests (boot two QEMU guests)" ON)

add_compile_options(-Wall -Wextra -Werror -D_GNU_SOURCE)
if(PEDMA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# Where valgrind is, for the unit tests that also run under it.
find_program(PEDMA_VALGRIND valgrind)
