/* A static probe run inside containers by tests/it/seccomp.rs and escapes.rs:
 * `probe CALL` makes one system call busybox cannot, prints "CALL ok" or
 * "CALL: <errno text>", and exits 0 or 1. `probe exe SECONDS DEV INO` plays
 * CVE-2019-5736 against the engine's binary (see exe below). The file
 * system checks (fuse_overlay.rs): `probe setxattr PATH NAME VALUE`,
 * `probe getxattr PATH NAME` (prints the value) and `probe mmap PATH TEXT`
 * (writes TEXT at the start of PATH through a shared mapping), `probe
 * exchange A B` and `probe rename_whiteout A B` (renameat2 with that flag),
 * `probe lock PATH` (POSIX record locks between two processes) and `probe
 * euid` (prints the effective uid: made setuid, it shows the bit works). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int report(const char *call, long r) {
    if (r < 0) {
        printf("%s: %s\n", call, strerror(errno));
        return 1;
    }
    printf("%s ok\n", call);
    return 0;
}

static long clone_newuser(void) {
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, 0, 0);
    return pid;
}

static volatile sig_atomic_t stopped;

static void on_term(int sig) {
    (void)sig;
    stopped = 1;
}

/* Watches for processes running the binary with this device and inode (the
 * engine's, given by the test) and tries to open it for writing through
 * /proc/PID/exe, until SIGTERM (the test's `stop`, once it has run what it
 * plays against) or SECONDS at most; returns 0 when that worked (the escape),
 * 1 when it never did. */
static int exe(int seconds, unsigned long dev, unsigned long ino) {
    time_t end = time(0) + seconds;
    int seen = 0;
    signal(SIGTERM, on_term);
    while (!stopped && time(0) < end) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char path[300], again[64];
            struct stat st;
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
            int fd = open(path, O_PATH);
            if (fd < 0)
                continue;
            if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
                seen++;
                snprintf(again, sizeof again, "/proc/self/fd/%d", fd);
                int w = open(again, O_WRONLY);
                if (w >= 0) {
                    printf("exe: opened %s for writing\n", path);
                    return 0;
                }
            }
            close(fd);
        }
        if (d)
            closedir(d);
    }
    if (seen)
        printf("exe: the engine's binary seen %d times, never writable\n", seen);
    else
        printf("exe: the engine's binary never seen\n");
    return 1;
}

static int mapped_write(const char *path, const char *text) {
    int fd = open(path, O_RDWR);
    size_t len = strlen(text);
    char *map = fd < 0 ? MAP_FAILED : mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return report("mmap", -1);
    memcpy(map, text, len);
    return report("mmap", msync(map, len, MS_SYNC));
}

/* Takes a write lock on all of PATH; a child process then asks who holds it
 * and tries to take it too, before and after the parent lets it go. */
static int locks(const char *path) {
    struct flock all = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int fd = open(path, O_RDWR);
    if (fd < 0 || fcntl(fd, F_SETLK, &all) < 0)
        return report("setlk", -1);
    printf("setlk ok\n");
    fflush(stdout);
    int go[2];
    if (pipe(go) < 0)
        return report("pipe", -1);
    pid_t child = fork();
    if (child == 0) {
        struct flock ask = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        int cfd = open(path, O_RDWR);
        fcntl(cfd, F_GETLK, &ask);
        printf("getlk: %s\n", ask.l_type == F_WRLCK && ask.l_pid == getppid() ? "held by the parent" : "not held");
        struct flock take = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        report("child setlk", fcntl(cfd, F_SETLK, &take));
        fflush(stdout);
        char c;
        read(go[0], &c, 1);
        report("child setlk after unlock", fcntl(cfd, F_SETLK, &take));
        fflush(stdout);
        _exit(0);
    }
    usleep(200000);
    all.l_type = F_UNLCK;
    fcntl(fd, F_SETLK, &all);
    write(go[1], "x", 1);
    waitpid(child, 0, 0);
    return 0;
}

int main(int argc, char **argv) {
    const char *call = argc > 1 ? argv[1] : "";
    if (!strcmp(call, "setxattr") && argc > 4)
        return report(call, setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0));
    if (!strcmp(call, "getxattr") && argc > 3) {
        char value[256] = {0};
        long n = getxattr(argv[2], argv[3], value, sizeof value - 1);
        if (n < 0)
            return report(call, n);
        printf("%s\n", value);
        return 0;
    }
    if (!strcmp(call, "exchange") && argc > 3)
        return report(call, syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE));
    if (!strcmp(call, "rename_whiteout") && argc > 3)
        return report(call, syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_WHITEOUT));
    if (!strcmp(call, "lock") && argc > 2)
        return locks(argv[2]);
    if (!strcmp(call, "mmap") && argc > 3)
        return mapped_write(argv[2], argv[3]);
    if (!strcmp(call, "euid")) {
        printf("%d\n", (int)geteuid());
        return 0;
    }
    if (!strcmp(call, "io_uring")) {
        char params[120] = {0};
        return report(call, syscall(SYS_io_uring_setup, 1, params));
    }
    if (!strcmp(call, "keyctl")) /* KEYCTL_GET_KEYRING_ID of the session keyring */
        return report(call, syscall(SYS_keyctl, 0, -3, 1));
    if (!strcmp(call, "bpf")) {
        char attr[128] = {0};
        return report(call, syscall(SYS_bpf, 0, attr, sizeof attr));
    }
    if (!strcmp(call, "perf_event_open")) {
        char attr[128] = {0};
        *(unsigned *)(attr + 4) = sizeof attr;
        return report(call, syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
    }
    if (!strcmp(call, "clone3")) {
        char args[88] = {0};
        long pid = syscall(SYS_clone3, args, sizeof args);
        if (pid == 0)
            _exit(0);
        if (pid > 0)
            waitpid(pid, 0, __WALL);
        return report(call, pid);
    }
    if (!strcmp(call, "clone_newuser"))
        return report(call, clone_newuser());
    if (!strcmp(call, "exe"))
        return argc > 4 ? exe(atoi(argv[2]), strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10)) : 2;
    fprintf(stderr, "usage: probe io_uring|keyctl|bpf|perf_event_open|clone3|clone_newuser|exe SECONDS DEV INO\n");
    return 2;
}
