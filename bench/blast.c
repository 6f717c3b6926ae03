/* A TCP sender and sink with large buffers, for throughput benchmarks:
 *   blast sink PORT            accept one connection, read it to the end, print bytes and seconds
 *   blast send HOST PORT BYTES connect, write BYTES of zeros, close
 * Static, so it runs in any image. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "sink")) {
        int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        if (bind(s, (void *)&a, sizeof a) || listen(s, 1)) { perror("listen"); return 1; }
        int c = accept(s, 0, 0);
        double t0 = now();
        long long total = 0;
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0) total += n;
        printf("%lld %.6f\n", total, now() - t0);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "send")) {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *r;
        if (getaddrinfo(argv[2], argv[3], &hints, &r)) { fprintf(stderr, "cannot resolve %s\n", argv[2]); return 1; }
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, r->ai_addr, r->ai_addrlen)) { perror("connect"); return 1; }
        long long left = atoll(argv[4]);
        double t0 = now();
        while (left > 0) {
            ssize_t n = write(s, buf, left < (long long)sizeof buf ? left : (long long)sizeof buf);
            if (n <= 0) { perror("write"); return 1; }
            left -= n;
        }
        close(s);
        fprintf(stderr, "sent in %.6f\n", now() - t0);
        return 0;
    }
    fprintf(stderr, "usage: blast sink PORT | blast send HOST PORT BYTES\n");
    return 2;
}
