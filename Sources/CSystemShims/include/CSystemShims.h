// Linux calls that Swift's Glibc module does not export because they need _GNU_SOURCE.
// The same approach swift-nio takes with its CNIOLinux module. _GNU_SOURCE is defined only in
// shims.c: defining it here would change system types under the Glibc module's feet.
#ifndef C_SYSTEM_SHIMS_H
#define C_SYSTEM_SHIMS_H

#include <sys/socket.h>

/// accept4(2): accepts a connection and sets flags (SOCK_CLOEXEC) atomically, so a child
/// process started by another thread at the same moment can never inherit the socket.
int shim_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// O_NOATIME: open(2) without updating the file's access time on reads (allowed for the file's
/// owner); a cache loader reading the header of every file would otherwise write every inode.
int shim_open_flag_noatime(void);

#endif
