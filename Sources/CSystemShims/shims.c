#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include "CSystemShims.h"

int shim_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

int shim_open_flag_noatime(void) {
    return O_NOATIME;
}
