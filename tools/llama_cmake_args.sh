#!/usr/bin/env bash
# CMAKE_ARGS for building llama-cpp-python from source on this machine's CPU.
#
# Not GGML_NATIVE: -march=native turns on llama.cpp's AMX kernels wherever the CPU reports AMX, and on
# the Xeons these machines run on a batched evaluation then segfaults in ggml_backend_amx_mul_mat
# (single tokens work; every prompt crashes). So: the x86-64-v3 baseline, plus the AVX-512 extensions
# the CPU really has (prompt evaluation is compute-bound and gains from them), and never AMX.
set -euo pipefail
if [ "$(uname -m)" != "x86_64" ]; then
    echo ""   # other architectures: llama.cpp's defaults
    exit 0
fi
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
for pair in AVX:avx AVX2:avx2 FMA:fma F16C:f16c BMI2:bmi2 AVX_VNNI:avx_vnni; do
    has "${pair#*:}" && args="$args -DGGML_${pair%%:*}=ON"
done
if has avx512f && has avx512bw && has avx512vl && has avx512dq && has avx512cd; then
    args="$args -DGGML_AVX512=ON"
    has avx512vbmi && args="$args -DGGML_AVX512_VBMI=ON"
    has avx512_vnni && args="$args -DGGML_AVX512_VNNI=ON"
    has avx512_bf16 && args="$args -DGGML_AVX512_BF16=ON"
fi
echo "$args"
