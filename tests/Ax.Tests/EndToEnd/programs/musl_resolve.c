/*
 * Resolves a name with the C library's getaddrinfo and prints its first IPv4 address. Built static against
 * musl (musl-gcc -static), whose resolver sends its queries with sendto on an unconnected socket to every
 * nameserver at once and keeps only answers whose source is one of them (src/network/res_msend.c).
 *
 *   musl_resolve NAME
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: musl_resolve NAME\n", stderr);
        return 2;
    }
    struct addrinfo hints, *found;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int error = getaddrinfo(argv[1], NULL, &hints, &found);
    if (error != 0) {
        fprintf(stderr, "musl_resolve: %s: %s\n", argv[1], gai_strerror(error));
        return 1;
    }
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((struct sockaddr_in *)found->ai_addr)->sin_addr, text, sizeof text);
    puts(text);
    freeaddrinfo(found);
    return 0;
}
