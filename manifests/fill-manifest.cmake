# cmake -DTEMPLATE=<manifest.json> -DLIBRARY=<lib> -DOUTPUT=<manifest.json> -DVERSION=<x.y.z> -P fill-manifest.cmake
# Writes the manifest with the library's SHA-256 filled in (run after every link and at install).
file(SHA256 "${LIBRARY}" LIBRARY_SHA256)
set(PROJECT_VERSION "${VERSION}")
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
