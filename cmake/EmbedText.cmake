# Writes IN's text into OUT as `extern const char NAME[]` (a raw string literal), so a document
# kept in the repository (docs/openapi.json) is part of the binary: nothing to find at run time.
file(READ "${IN}" content)
string(FIND "${content}" ")embedded_text\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )embedded_text\"")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/EmbedText.cmake; do not edit.\nnamespace commerce::http {\nextern const char ${NAME}[];\nconst char ${NAME}[] = R\"embedded_text(${content})embedded_text\";\n}\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
