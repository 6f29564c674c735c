{
  "targets": [
    {
      "target_name": "minitron_native",
      "sources": ["<!@(ls -1 src/*.cc)"],
      "cflags_cc": ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fno-exceptions", "-std=c++17"],
      "cflags_cc!": ["-fno-rtti"],
      "defines": ["NAPI_VERSION=8"],
      "include_dirs": ["<!@(pkg-config --cflags-only-I openblas 2>/dev/null | sed 's/-I//g')"],
      "ldflags": ["-pthread"],
      "libraries": ["<!@(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)"]
    }
  ]
}
