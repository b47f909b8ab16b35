# crm: customer analytics as Unix filters.
#   make                 build every tool into $(O)/bin (O=build by default)
#   make test            run the test suite, then again under ASan+UBSan
#   make install         install tools, manuals and rules under $(PREFIX)
#   make fuzz            run each libFuzzer harness FUZZ_SECONDS (tests/fuzz)
include config.mk

O = build
LIB = $(O)/libcrm.a
LIBSRC = $(wildcard common/*.c)
LIBOBJ = $(LIBSRC:%.c=$(O)/%.o) $(O)/gen/default_rules.o
HDR = $(wildcard common/*.h)
TOOLS = $(notdir $(wildcard tools/*))
BIN = $(TOOLS:%=$(O)/bin/%)
MAN = $(wildcard man/*.[1-9])

all: $(BIN)

$(O)/common/%.o: common/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/gen/default_rules.c: rules/default.rules scripts/embed
	@mkdir -p $(@D)
	sh scripts/embed rules/default.rules rules_default_text > $@.tmp && mv $@.tmp $@

# crm-report carries its page: the HTML compiled in as a C string.
$(O)/gen/dashboard_html.c: tools/crm-report/dashboard.html scripts/embed
	@mkdir -p $(@D)
	sh scripts/embed tools/crm-report/dashboard.html dashboard_html > $@.tmp && mv $@.tmp $@

$(O)/bin/crm-report: $(O)/gen/dashboard_html.c

# crm-clv fits its models with GSL.
$(O)/bin/crm-clv: LDLIBS += -lgsl -lgslcblas

$(O)/gen/default_rules.o: $(O)/gen/default_rules.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

# Every tool is the .c files of its directory linked with libcrm.a.
.SECONDEXPANSION:
$(O)/bin/%: $$(wildcard tools/%/*.c) $$(wildcard tools/%/*.h) $(LIB) $(HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itools/$* $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(LIB) $(LDLIBS)

# The suite runs twice: optimized, then under AddressSanitizer and
# UndefinedBehaviorSanitizer (smaller generated data, same assertions).
test: all
	CRM_BIN=$(CURDIR)/$(O)/bin sh tests/run
	$(MAKE) O=build-san OPT= CFLAGS="$(SANFLAGS) $(filter-out $(OPT),$(CFLAGS))" LDFLAGS="-fsanitize=address,undefined" all
	CRM_BIN=$(CURDIR)/build-san/bin CRM_TEST_SAN=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/run

# Every reader under libFuzzer with ASan+UBSan (clang): built into
# build/fuzz, seeded from the test data, FUZZ_SECONDS a harness; fails on
# any crash. scripts/fuzz-long runs them for hours.
FUZZ_SECONDS = 30
fuzz: all
	$(MAKE) -f tests/fuzz/fuzz.mk
	sh tests/fuzz/seeds $(CURDIR)/$(O)/bin build/fuzz/seed
	sh tests/fuzz/fuzz-run $(FUZZ_SECONDS)

lint:
	mandoc -Tlint -W warning $(MAN)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/examples
	cp -f $(BIN) scripts/crm-agg-parallel $(DESTDIR)$(BINDIR)/
	cp -f rules/*.rules $(DESTDIR)$(DATADIR)/
	cp -f rules/examples/*.rules $(DESTDIR)$(DATADIR)/examples/
	for m in $(MAN); do s=$${m##*.}; mkdir -p $(DESTDIR)$(MANPREFIX)/man$$s; \
		cp -f $$m $(DESTDIR)$(MANPREFIX)/man$$s/; done

uninstall:
	for t in $(TOOLS) crm-agg-parallel; do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MAN); do s=$${m##*.}; rm -f $(DESTDIR)$(MANPREFIX)/man$$s/$${m##*/}; done
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san

.PHONY: all test fuzz lint install uninstall clean
