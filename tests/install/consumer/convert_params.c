/* Uses the optional conversion library, libwisp_convert: its default
 * parameters must describe the struct this header declares. */
#include <stdio.h>
#include <wisp/convert.h>

int main(void) {
  wisp_convert_params params = wisp_convert_default_params();
  printf("convert params %zu\n", params.struct_size);
  return params.struct_size == sizeof(params) ? 0 : 1;
}
