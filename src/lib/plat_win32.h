/* Between the two halves of the Windows platform layer (plat_win32.c and
 * plat_win32_sock.c); nothing else includes this. */
#ifndef NTLAB_LIB_PLAT_WIN32_H
#define NTLAB_LIB_PLAT_WIN32_H
#ifdef _WIN32

/* Starts Winsock 2.2 (plat_init). 0 or an errno value. */
int plat_win32_wsa_startup(void);

#endif
#endif
