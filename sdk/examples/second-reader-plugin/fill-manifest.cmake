file(SHA256 "${LIBRARY}" LIBRARY_SHA256)
set(SDK_VERSION "${SDK}")
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
