/* crm-model: a churn model on XGBoost's C API, as a filter.
 *
 *   crm-model train    feature rows in, a model file and its card out
 *   crm-model predict  feature rows in, the same rows with p_churn out
 *   crm-model eval     feature rows in, the evaluation document out
 *
 * Every parameter is a model.* rules key; the model carries the rules
 * fingerprint and the feature list, so that a model is never applied to
 * rows made with other rules or other features. */
#include "brandrules.h"
#include "model.h"
#include "opt.h"
#include "rules.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"crm-model train [--rules FILE] [--target churn | revenue] [--card FILE] [--stats]\n"
	"                        [--progress | --no-progress] -o MODEL [FILE]\n"
	"       crm-model predict [--rules FILE] --model MODEL [--explain] [--stats]\n"
	"                        [--progress | --no-progress] [-o FILE] [FILE]\n"
	"       crm-model eval [--rules FILE] [--model MODEL] [--all] [--target churn | revenue]\n"
	"                        [--score COLUMN] [--clv COLUMN] [--table] [--stats] [-o FILE] [FILE]";

/* opt_target reads --target churn|revenue into the Target at DST. */
static const char *opt_target(const char *s, void *dst)
{
	Target *t = dst;
	if (strcmp(s, "churn") == 0)
		*t = TARGET_CHURN;
	else if (strcmp(s, "revenue") == 0)
		*t = TARGET_REVENUE;
	else
		return "is not churn or revenue";
	return NULL;
}

/* passive_threads makes XGBoost's OpenMP threads sleep, not spin, while
 * they wait for work: spinning threads take the cores from the other stages
 * of a pipeline and from other processes (training ran many times slower on
 * a busy machine). The OpenMP runtime reads OMP_WAIT_POLICY when it is
 * loaded, before main, so the program runs itself again with it set; a
 * value the user set is kept, and if the program cannot be run again it
 * goes on as it is. */
static void passive_threads(char **argv)
{
	if (getenv("OMP_WAIT_POLICY"))
		return;
	if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
		return;
	execv("/proc/self/exe", argv);
}

int main(int argc, char **argv)
{
	passive_threads(argv);
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *model = NULL, *card = NULL, *score = NULL, *clv = "exp_revenue";
	Target target = TARGET_CHURN;
	int explain = 0, all = 0, table = 0;
	const Opt opts[] = {
		{ "train [FILE]", 0, NULL, NULL, NULL, 0, "train a model on the labelled rows" },
		{ "predict [FILE]", 0, NULL, NULL, NULL, 0, "append each row's prediction" },
		{ "eval [FILE]", 0, NULL, NULL, NULL, 0, "write the evaluation document (JSON)" },
		OPT_RULES(&c),
		{ "model", 0, "MODEL", opt_str, &model, 0, "the model file (predict, eval)" },
		{ "target", 0, "WHAT", opt_target, &target, 0, "churn (label_churn) or revenue (label_revenue)" },
		{ "card", 0, "FILE", opt_str, &card, 0, "train: write the card here (default MODEL.card.json)" },
		{ "explain", 0, NULL, NULL, &explain, 1, "predict: add margin, bias and top contributions" },
		{ "all", 0, NULL, NULL, &all, 1, "eval: every labelled row, not only after training" },
		{ "table", 0, NULL, NULL, &table, 1, "eval: a summary table (TSV), not the document" },
		{ "score", 0, "COLUMN", opt_str, &score, 0, "eval: also score by this column" },
		{ "clv", 0, "COLUMN", opt_str, &clv, 0, "eval: crm-clv's expected revenue (exp_revenue)" },
		OPT_STATS(&c, "report rows and rounds on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (first >= argc)
		usage_fail(usage_text, "a command is needed: train, predict or eval");
	const char *cmd = argv[first++];
	if (argc - first > 1)
		usage_fail(usage_text, "one input at most");
	const char *input = first < argc ? argv[first] : "-";
	int is_train = strcmp(cmd, "train") == 0, is_predict = strcmp(cmd, "predict") == 0;
	if (!is_train && !is_predict && strcmp(cmd, "eval") != 0)
		usage_fail(usage_text, "unknown command '%s'", cmd);
	if (!is_train && card)
		usage_fail(usage_text, "--card goes with train");
	if (!is_predict && explain)
		usage_fail(usage_text, "--explain goes with predict");
	if (is_train && model)
		usage_fail(usage_text, "train writes the model with -o");
	if (is_predict && !model)
		usage_fail(usage_text, "predict needs --model");
	if (is_train && strcmp(c.output, "-") == 0)
		usage_fail(usage_text, "train needs -o MODEL");
	if ((is_train || is_predict) && (all || score || table))
		usage_fail(usage_text, "--all, --score and --table go with eval");

	Rules *r = rules_load(c.rules);
	ModelRules mr;
	model_rules_load(&mr, r);

	if (is_train) {
		char *def = NULL;
		if (!card) {
			def = xmalloc(strlen(c.output) + 11);
			sprintf(def, "%s.card.json", c.output);
			card = def;
		}
		TrainOpts to = { target, input, c.output, card, c.stats, c.progress };
		train(&to, &mr);
		free(def);
	} else if (is_predict) {
		predict(model, input, c.output, explain, &mr, c.stats, c.progress);
	} else {
		EvalOpts eo = { model, input, c.output, score, clv, target, r, all, table, c.stats, c.progress };
		eval(&eo, &mr);
	}
	rules_free(r);
	return 0;
}
