#!/usr/bin/env bash
# Compiles the C# binding and its programs with Mono's mcs. The one recipe for
# both CMake (bindings/csharp/CMakeLists.txt) and run-sample.sh.
#
#   build.sh OUT_DIR [lib] [sample] [tests] [unity] [godot]   (default: all)
#
# OUT_DIR/Wisp.dll           the binding (namespace Wisp)
# OUT_DIR/WispGenerate.exe   the sample
# OUT_DIR/Wisp.Tests.exe     the test runner
# OUT_DIR/UnitySampleTests.exe  the Unity sample driven through test-only
#                               stubs of the engine types (not shipped)
# OUT_DIR/GodotSampleCheck.dll   the Godot sample compiled against stubs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples=$(cd "$here/../../samples" && pwd)
out=${1:?usage: build.sh OUT_DIR [lib] [sample] [tests] [unity] [godot]}
shift
targets=("$@")
((${#targets[@]})) || targets=(lib sample tests unity godot)
mkdir -p "$out"

# C# 7.2 keeps the code compilable by Unity and any .NET Standard 2.0
# compiler; every warning is an error, as in the C++ build.
MCS=(mcs -langversion:7.2 -warnaserror -optimize+ -nologo)

for target in "${targets[@]}"; do
  case $target in
    lib)
      "${MCS[@]}" -target:library -doc:"$out/Wisp.xml" -out:"$out/Wisp.dll" \
        -recurse:"$here/src/*.cs" ;;
    sample)
      "${MCS[@]}" -target:exe -r:"$out/Wisp.dll" -out:"$out/WispGenerate.exe" \
        "$here"/sample/*.cs ;;
    tests)
      "${MCS[@]}" -target:exe -r:"$out/Wisp.dll" -r:System.Web.Extensions \
        -out:"$out/Wisp.Tests.exe" "$here"/tests/*.cs ;;
    unity)
      # As Unity compiles it: the binding's sources inside the project, with
      # UNITY_5_3_OR_NEWER defined (so Unity's AOT attribute is used).
      "${MCS[@]}" -target:exe -define:UNITY_5_3_OR_NEWER \
        -out:"$out/UnitySampleTests.exe" -recurse:"$here/src/*.cs" \
        "$samples"/unity/*.cs "$samples"/unity/test/*.cs ;;
    godot)
      "${MCS[@]}" -target:library -out:"$out/GodotSampleCheck.dll" \
        -recurse:"$here/src/*.cs" "$samples"/godot/*.cs \
        "$samples"/godot/test/*.cs ;;
    *) echo "build.sh: unknown target $target" >&2; exit 2 ;;
  esac
done
