#!/bin/bash
# The main job: install what is missing, build everything, boot the two lab
# guests with pedma loaded, and show both devices linked (ibv_devinfo -v
# from each side).  Needs root (apt-get, QEMU shares /dev/shm).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/deps.sh"
"$repo/scripts/build.sh"
exec "$repo/lab/pedma-lab" demo "$@"
