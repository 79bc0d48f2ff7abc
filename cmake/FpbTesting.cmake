# fpb_add_gtest(NAME <name> SOURCES ... [LIBS ...] [LABELS ...] [UMOCKDEV] [TIMEOUT s] [ENV ...])
#   One test executable = one CTest test, labelled so that subsets can run alone:
#   ctest -L unit | integration | e2e | conformance | fuzz | browser | packaging.
#   UMOCKDEV runs it under the umockdev preload (USB emulation behind real libusb).
function(fpb_add_gtest)
  cmake_parse_arguments(T "UMOCKDEV" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  if(NOT FPB_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gmock_main GTest::gtest Threads::Threads)
  target_compile_definitions(${T_NAME} PRIVATE
    FPB_SHARED_DIR="${FPB_SHARED_DIR}"
    FPB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FPB_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  if(T_UMOCKDEV)
    add_test(NAME ${T_NAME} COMMAND ${UMOCKDEV_WRAPPER} $<TARGET_FILE:${T_NAME}>)
  else()
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1;${T_ENV}")
endfunction()

# fpb_optional_subdirectory(dir): components land in their own folders one at a time.
macro(fpb_optional_subdirectory dir)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
    add_subdirectory(${dir})
  endif()
endmacro()

# fpb_add_benchmark(NAME <name> SOURCES ... [LIBS ...]): a Google Benchmark program in build/bench/.
# Benchmarks are run by packaging/run-benchmarks.sh, never timed inside unit tests; CTest only runs
# each one once, very briefly (label benchmark-smoke), so that a broken benchmark is noticed.
function(fpb_add_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS;ARGS" ${ARGN})
  if(NOT FPB_BUILD_BENCHMARKS OR NOT FPB_BUILD_TESTS)
    return()
  endif()
  find_package(benchmark REQUIRED)
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark Threads::Threads)
  target_compile_definitions(${B_NAME} PRIVATE
    FPB_SHARED_DIR="${FPB_SHARED_DIR}" FPB_SOURCE_DIR="${PROJECT_SOURCE_DIR}" FPB_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_target_properties(${B_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
  add_test(NAME ${B_NAME}_smoke COMMAND ${B_NAME} --benchmark_min_time=0.001 ${B_ARGS})
  set_tests_properties(${B_NAME}_smoke PROPERTIES LABELS "benchmark-smoke" TIMEOUT 300)
endfunction()

# fpb_add_fuzzer(NAME <name> SOURCES ... [LIBS ...] [CORPUS dir] [SEED_SCRIPT file.py] [SECONDS n]):
# a libFuzzer target, built only in the clang "fuzz" preset; CTest runs it for SECONDS (default 30)
# on a copy of the seed corpus and fails on any crash, leak or sanitizer report. SEED_SCRIPT writes
# one more seed (path given as its argument) into the working corpus first.
function(fpb_add_fuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS;SECONDS;SEED_SCRIPT" "SOURCES;LIBS" ${ARGN})
  if(NOT FPB_BUILD_FUZZERS)
    return()
  endif()
  if(NOT F_SECONDS)
    set(F_SECONDS 30)
  endif()
  add_executable(${F_NAME} ${F_SOURCES})
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${F_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  set(work ${PROJECT_BINARY_DIR}/fuzz/${F_NAME}-corpus)
  set(seed "")
  if(F_SEED_SCRIPT)
    set(seed "/usr/bin/python3 '${F_SEED_SCRIPT}' '${work}/generated-seed' && ")
  endif()
  add_test(NAME ${F_NAME}
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
            sh -c "mkdir -p '${work}' && ${seed}exec \"$0\" -max_total_time=${F_SECONDS} -timeout=10 -rss_limit_mb=2048 -artifact_prefix='${PROJECT_BINARY_DIR}/fuzz/${F_NAME}-' '${work}' '${F_CORPUS}'"
            $<TARGET_FILE:${F_NAME}>)
  set_tests_properties(${F_NAME} PROPERTIES LABELS "fuzz" TIMEOUT 600)
  if(NOT TARGET fpb_fuzzers)
    add_custom_target(fpb_fuzzers)
  endif()
  add_dependencies(fpb_fuzzers ${F_NAME})
endfunction()
