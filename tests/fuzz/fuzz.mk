# Builds the libFuzzer harnesses into $(F)/bin (see README); included by
# the top-level Makefile's `fuzz` target through `make -f`.
#   make -f tests/fuzz/fuzz.mk        build every harness
FCC = clang
F = build/fuzz
FSAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -Dexit=crm_fuzz_exit: the code under test exits through the harness,
# which jumps back instead of ending the process (support.c).
FFLAGS = -g -O1 -std=c11 -Wall -Wextra $(FSAN) -fsanitize=fuzzer-no-link \
	-D_GNU_SOURCE -Icommon -I$(F)/gen -Itests/fuzz
HOOK = -Dexit=crm_fuzz_exit
# The page's parts crm-report writes, linked into every tool's harness.
CHARTJS = /usr/share/javascript/chart.js/chart.min.js
FLIBS = -lcsv -lxxhash -lm

FLIBSRC = $(wildcard common/*.c)
FLIBOBJ = $(FLIBSRC:%.c=$(F)/%.o) $(F)/gen/default_rules.o
FHDR = $(wildcard common/*.h) tests/fuzz/fuzz.h
# Harnesses of one library module each, and those that run a whole tool.
FUNITS = tsv datemoney rules
FTOOLS = crm-clean crm-agg crm-tier crm-lifecycle crm-churn crm-report crm-json crm-rfm crm-kmeans \
	crm-features
FBIN = $(FUNITS:%=$(F)/bin/fuzz-%) $(FTOOLS:%=$(F)/bin/fuzz-%)

all: $(FBIN)

$(F)/common/%.o: common/%.c $(FHDR)
	@mkdir -p $(@D)
	$(FCC) $(FFLAGS) $(HOOK) -c -o $@ $<

$(F)/gen/%.c: scripts/embed
	@mkdir -p $(@D)
	case $* in \
	default_rules) sh scripts/embed rules/default.rules rules_default_text ;; \
	dashboard_html) sh scripts/embed tools/crm-report/dashboard.html dashboard_html ;; \
	dashboard_js) sh scripts/embed tools/crm-report/dashboard.js dashboard_js ;; \
	pages_js) sh scripts/embed tools/crm-report/pages.js pages_js ;; \
	chart_js) sh scripts/embed $(CHARTJS) chart_js ;; \
	esac > $@.tmp && mv $@.tmp $@
$(F)/gen/default_rules.c: rules/default.rules
$(F)/gen/dashboard_html.c: tools/crm-report/dashboard.html
$(F)/gen/dashboard_js.c: tools/crm-report/dashboard.js
$(F)/gen/pages_js.c: tools/crm-report/pages.js
$(F)/gen/chart_js.c: $(CHARTJS)
PAGE = $(F)/gen/dashboard_html.c $(F)/gen/dashboard_js.c $(F)/gen/pages_js.c $(F)/gen/chart_js.c

$(F)/gen/%.o: $(F)/gen/%.c
	$(FCC) $(FFLAGS) -c -o $@ $<

$(F)/libcrm.a: $(FLIBOBJ)
	@rm -f $@
	$(AR) rcs $@ $(FLIBOBJ)

$(F)/support.o: tests/fuzz/support.c $(FHDR)
	@mkdir -p $(@D)
	$(FCC) $(FFLAGS) -c -o $@ tests/fuzz/support.c

$(F)/bin/fuzz-%: tests/fuzz/%.c $(F)/support.o $(F)/libcrm.a $(FHDR)
	@mkdir -p $(@D)
	$(FCC) $(FFLAGS) -fsanitize=fuzzer -o $@ $< $(F)/support.o $(F)/libcrm.a $(FLIBS)

# A tool: its sources with main renamed, crm_init made a setter of progname
# (tool.c), and tool.c to call it.
TOOLHOOK = $(HOOK) -Dmain=tool_main -Dcrm_init=fuzz_crm_init
TSRC = $(filter tools/%.c,$^)
# Tools with state in static storage that a process starts with zeroed:
# tool.c includes the file and zeroes it before each run.
# crm-agg's fold.c keeps its table in `static Fold F` and a buffer in
# xbuf/xcap; a die() while folding (a sum that overflows) leaves them set.
$(F)/bin/fuzz-crm-agg: TSRC = $(filter-out tools/crm-agg/fold.c,$(filter tools/%.c,$^))
$(F)/bin/fuzz-crm-agg: TINC = -DTOOL_INCLUDE='"fold.c"' \
	-DTOOL_RESET='memset(&F, 0, sizeof F), xbuf = NULL, xcap = 0'
# crm-features links btyd.c (--clv-params), which uses GSL.
$(F)/bin/fuzz-crm-features: FLIBS += -lgsl -lgslcblas
.SECONDEXPANSION:
$(FTOOLS:%=$(F)/bin/fuzz-%): $(F)/bin/fuzz-%: tests/fuzz/tool.c $$(wildcard tools/%/*.c) \
		$$(wildcard tools/%/*.h) $(F)/support.o $(F)/libcrm.a $(FHDR) $(PAGE)
	@mkdir -p $(@D)
	$(FCC) $(FFLAGS) -fsanitize=fuzzer $(TOOLHOOK) -Itools/$* -DTOOL='"$*"' $(TINC) -o $@ \
		tests/fuzz/tool.c $(TSRC) $(PAGE) \
		$(F)/support.o $(F)/libcrm.a $(FLIBS)
