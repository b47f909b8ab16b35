# crm build configuration: override on the make command line,
# e.g. make PREFIX=$HOME/.local CC=clang
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANPREFIX = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/crm
COMPDIR = $(PREFIX)/share/bash-completion/completions

CC = cc
AR = ar
OPT = -O2
CFLAGS = $(OPT) -g -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS = -D_GNU_SOURCE -Icommon -I$(O)/gen
LDFLAGS =
LDLIBS = -lcsv -lxxhash -lm -pthread

# Flags for the sanitizer build that `make test` also runs.
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
