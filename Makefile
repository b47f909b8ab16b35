# crm: customer analytics as Unix filters.
#   make                 build every tool into $(O)/bin (O=build by default)
#   make test            run the test suite, then again under ASan+UBSan
#   make install         install tools, manuals, rules and bash completion under $(PREFIX)
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

# crm-report carries its page: the HTML, its script and Chart.js (Debian's
# libjs-chart.js) compiled in as C strings.
CHARTJS = /usr/share/javascript/chart.js/chart.min.js
$(O)/gen/dashboard_html.c: tools/crm-report/dashboard.html scripts/embed
	@mkdir -p $(@D)
	sh scripts/embed tools/crm-report/dashboard.html dashboard_html > $@.tmp && mv $@.tmp $@

$(O)/gen/dashboard_js.c: tools/crm-report/dashboard.js scripts/embed
	@mkdir -p $(@D)
	sh scripts/embed tools/crm-report/dashboard.js dashboard_js > $@.tmp && mv $@.tmp $@

$(O)/gen/pages_js.c: tools/crm-report/pages.js scripts/embed
	@mkdir -p $(@D)
	sh scripts/embed tools/crm-report/pages.js pages_js > $@.tmp && mv $@.tmp $@

$(O)/gen/chart_js.c: $(CHARTJS) scripts/embed
	@mkdir -p $(@D)
	sh scripts/embed $(CHARTJS) chart_js > $@.tmp && mv $@.tmp $@

$(O)/bin/crm-report: $(O)/gen/dashboard_html.c $(O)/gen/dashboard_js.c $(O)/gen/pages_js.c $(O)/gen/chart_js.c

# crm help's list of the tools: each manual's name and purpose line (.Nd).
$(O)/gen/crm_tools.c: $(wildcard man/crm-*.1) scripts/tool-list
	@mkdir -p $(@D)
	sh scripts/tool-list $(wildcard man/crm-*.1) > $@.tmp && mv $@.tmp $@

$(O)/bin/crm: $(O)/gen/crm_tools.c

# crm-model boosts trees with XGBoost's C API.
$(O)/bin/crm-model: LDLIBS += -lxgboost -lgsl -lgslcblas

# crm-clv fits its models with GSL.
$(O)/bin/crm-clv: LDLIBS += -lgsl -lgslcblas
# crm-features scores crm-clv's models (--clv-params).
$(O)/bin/crm-features: LDLIBS += -lgsl -lgslcblas

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

# crm-run is a POSIX sh script, installed as it is.
$(O)/bin/crm-run: tools/crm-run/crm-run.sh
	@mkdir -p $(@D)
	cp $< $@ && chmod +x $@

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
	cp -f rules/examples/*.rules rules/examples/export.csv rules/examples/products.tsv $(DESTDIR)$(DATADIR)/examples/
	mkdir -p $(DESTDIR)$(COMPDIR)
	cp -f tools/crm/crm.bash $(DESTDIR)$(COMPDIR)/crm
	for t in $(TOOLS) crm-agg-parallel; do [ $$t = crm ] || ln -sf crm $(DESTDIR)$(COMPDIR)/$$t; done
	for m in $(MAN); do s=$${m##*.}; mkdir -p $(DESTDIR)$(MANPREFIX)/man$$s; \
		cp -f $$m $(DESTDIR)$(MANPREFIX)/man$$s/; done

uninstall:
	for t in $(TOOLS) crm-agg-parallel; do rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(COMPDIR)/$$t; done
	for m in $(MAN); do s=$${m##*.}; rm -f $(DESTDIR)$(MANPREFIX)/man$$s/$${m##*/}; done
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san

.PHONY: all test fuzz lint install uninstall clean
