# Runs the C sample greedily and compares with the start of llama2.c's output.
execute_process(COMMAND ${SAMPLE} ${MODEL} "Once upon a time" 30
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "c_generate exited with ${rc}")
endif()
set(expected "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day,\n")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}")
endif()
