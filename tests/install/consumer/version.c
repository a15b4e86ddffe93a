/* Prints the version of the wisp library it runs with, and fails if that
 * library's C API version is not the one of the header it was built with
 * (an installed header and library that do not belong together). */
#include <stdio.h>
#include <wisp/wisp.h>

int main(void) {
  printf("wisp %s api %d.%d\n", wisp_version(), wisp_api_version() >> 16,
         wisp_api_version() & 0xffff);
  return wisp_api_version() == WISP_API_VERSION ? 0 : 1;
}
