/* crm: the umbrella command. `crm agg ARG...` runs crm-agg with the
 * arguments, as git and Miller run their subcommands; `crm help` lists every
 * tool with its purpose, `crm help TOOL` shows a tool's manual (or its
 * -h), `crm help KEY` a rules key's value and meaning. The separate
 * programs stay: crm only finds and runs them. */
#include "opt.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
	"crm COMMAND [ARG ...]\n"
	"       crm help [COMMAND | KEY]";

/* Each tool's name and purpose, from the .Nd line of its manual
 * (scripts/tool-list, at build time). */
extern const char *const crm_tools[][2];

/* find_tool writes into PATH (SIZE bytes) where the program NAME is: beside
 * this program first (a build directory or an install), else the first
 * directory of $PATH that holds it. Returns 0 when found, -1 when not. */
static int find_tool(const char *name, char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(path, size, "%s/%s", self, name) < size && access(path, X_OK) == 0)
				return 0;
		}
	}
	const char *p = getenv("PATH");
	while (p && *p) {
		size_t len = strcspn(p, ":");
		/* An empty entry of PATH is the current directory. */
		if ((size_t)snprintf(path, size, "%.*s/%s", len ? (int)len : 1, len ? p : ".", name) < size &&
		    access(path, X_OK) == 0) {
			struct stat st;
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return -1;
}

/* tool_name turns a command (agg, or crm-agg) into the program's name in
 * NAME (SIZE bytes); NULL when it cannot name a crm tool. */
static const char *tool_name(const char *cmd, char *name, size_t size)
{
	if (!*cmd || strchr(cmd, '/') || strlen(cmd) + 5 > size)
		return NULL;
	snprintf(name, size, "%s%s", strncmp(cmd, "crm-", 4) == 0 ? "" : "crm-", cmd);
	return name;
}

/* run_tool replaces this process by the tool CMD with ARGV (ARGV[0] is
 * replaced by the tool's name). An unknown command is a usage error. */
static noreturn void run_tool(const char *cmd, char **argv)
{
	char name[128], path[PATH_MAX];
	if (!tool_name(cmd, name, sizeof name) || find_tool(name, path, sizeof path) != 0)
		usage_fail(usage_text, "'%s' is not a crm command (crm help lists them)", cmd);
	argv[0] = name;
	execv(path, argv);
	die_errno("%s", path);
}

/* list prints every tool with its purpose, marking those neither beside
 * crm nor on the PATH. */
static void list(void)
{
	printf("usage: %s\n\nThe tools (crm TOOL ... runs crm-TOOL ...):\n", usage_text);
	for (size_t i = 0; crm_tools[i][0]; i++) {
		char path[PATH_MAX];
		int found = find_tool(crm_tools[i][0], path, sizeof path) == 0;
		printf("  %-18s %s%s\n", crm_tools[i][0] + 4, crm_tools[i][1], found ? "" : " (not installed)");
	}
	printf("\ncrm help TOOL shows a tool's manual, crm help KEY a rules key (crm-rules show).\n"
	       "See crm(1) and crm(7).\n");
}

/* run_wait runs ARGV (ARGV[0] found as a crm tool, or on the PATH when
 * PATH is NULL) with standard output to OUT when OUT is not NULL;
 * returns its exit status, -1 when it could not run. */
static int run_wait(const char *path, char *const argv[], FILE *out)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		if (out && dup2(fileno(out), STDOUT_FILENO) < 0)
			_exit(127);
		if (path)
			execv(path, argv);
		else
			execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* help_key prints the rules key KEY as crm-rules show has it (value,
 * source, unit, meaning); returns 0, or -1 when there is no such key. */
static int help_key(const char *key)
{
	char path[PATH_MAX];
	if (find_tool("crm-rules", path, sizeof path) != 0)
		return -1;
	FILE *tmp = tmpfile();
	if (!tmp)
		die_errno("tmpfile");
	char *argv[] = { "crm-rules", "show", NULL };
	if (run_wait(path, argv, tmp) != 0)
		die("crm-rules show failed");
	rewind(tmp);
	char line[4096];
	size_t klen = strlen(key);
	int found = -1;
	while (fgets(line, sizeof line, tmp)) {
		if (strncmp(line, key, klen) != 0 || line[klen] != '\t')
			continue;
		char *f[5] = { line };
		for (int i = 1; i < 5 && f[i - 1]; i++) {
			f[i] = strchr(f[i - 1], '\t');
			if (f[i])
				*f[i]++ = '\0';
		}
		if (!f[4])
			continue;
		f[4][strcspn(f[4], "\n")] = '\0';
		printf("%s = %s (%s; from %s)\n  %s\nSee crm-rules(5).\n", f[0], f[1], f[3], f[2], f[4]);
		found = 0;
	}
	fclose(tmp);
	return found;
}

/* help shows what TOPIC is: a tool's manual when man has it and the output
 * is a terminal, else the tool's -h; or a rules key. */
static int help(const char *topic)
{
	char name[128], path[PATH_MAX];
	if (tool_name(topic, name, sizeof name) && find_tool(name, path, sizeof path) == 0) {
		if (isatty(STDOUT_FILENO)) {
			char *probe[] = { "man", "-w", name, NULL };
			FILE *null = fopen("/dev/null", "w");
			int has_man = null && run_wait(NULL, probe, null) == 0;
			if (null)
				fclose(null);
			if (has_man) {
				char *man[] = { "man", name, NULL };
				return run_wait(NULL, man, NULL) == 0 ? 0 : 1;
			}
		}
		char *argv[] = { name, "-h", NULL };
		return run_wait(path, argv, NULL) == 0 ? 0 : 1;
	}
	if (strchr(topic, '.') && help_key(topic) == 0)
		return 0;
	usage_fail(usage_text, "'%s' is neither a crm command nor a rules key (crm help lists the commands, crm-rules show the keys)",
		   topic);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	/* The commands are lines of the help only. */
	const Opt opts[] = {
		{ "COMMAND [ARG ...]", 0, NULL, NULL, NULL, 0, "run crm-COMMAND with the arguments" },
		{ "help [COMMAND]", 0, NULL, NULL, NULL, 0, "list every tool with its purpose; show a tool's manual" },
		{ "help KEY", 0, NULL, NULL, NULL, 0, "show a rules key: value, unit, meaning" },
		OPT_END,
	};
	/* crm's own options come before the command; the rest is the tool's. */
	int k = 1;
	while (k < argc && argv[k][0] == '-' && strcmp(argv[k], "--") != 0)
		k++;
	int first = opt_parse(k, argv, usage_text, opts);
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc)
		usage_fail(usage_text, "a command is needed (crm help lists them)");
	const char *cmd = argv[first];
	if (strcmp(cmd, "help") == 0) {
		if (argc - first > 2)
			usage_fail(usage_text, "one command or rules key at most");
		if (argc - first == 1) {
			list();
			return 0;
		}
		return help(argv[first + 1]);
	}
	run_tool(cmd, argv + first);
}
