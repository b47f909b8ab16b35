# bash completion for crm and the crm-* tools: the commands, each tool's
# options (read from its -h), file names where an option takes a FILE, and
# after `crm help` the tools and the rules keys (read from `crm-rules show`).
# make install puts this file in share/bash-completion/completions as crm
# and links each crm-TOOL to it; or source it from ~/.bashrc.

# _crm_help TOOL: TOOL's -h, kept for the shell's life.
declare -gA _crm_help_cache
_crm_help() {
	if [[ -z ${_crm_help_cache[$1]+set} ]]; then
		_crm_help_cache[$1]=$("$1" -h 2> /dev/null)
	fi
	printf '%s\n' "${_crm_help_cache[$1]}"
}

# _crm_options TOOL: each option of TOOL's -h, with its argument's name
# when it takes one ("--rules FILE", "--stats"), one a line.
_crm_options() {
	_crm_help "$1" | sed -n 's/^  \(-[^ ].*\)$/\1/p' | sed 's/   *[^ ].*$//; s/  *$//' |
		tr ',' '\n' | sed 's/^ *//' | grep -E '^--?[a-zA-Z]'
}

# _crm_commands TOOL: the subcommands TOOL's -h lists ("  show [FILE]  ...").
_crm_commands() {
	_crm_help "$1" | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u
}

# _crm_tools: the names of the crm-* programs on the PATH, without "crm-".
_crm_tools() {
	compgen -c -- crm- | sed 's/^crm-//' | sort -u
}

# _crm_keys: the rules keys, from crm-rules show.
_crm_keys() {
	if [[ -z ${_crm_keys_cache+set} ]]; then
		_crm_keys_cache=$(crm-rules show 2> /dev/null | sed 1d | cut -f1)
	fi
	printf '%s\n' "$_crm_keys_cache"
}

# _crm_args TOOL CUR PREV: complete CUR, a word of TOOL's command line.
_crm_args() {
	local tool=$1 cur=$2 prev=$3 opts arg
	opts=$(_crm_options "$tool")
	if [[ $prev == -* ]]; then
		arg=$(printf '%s\n' "$opts" | awk -v o="$prev" '$1 == o { print $2; exit }')
		if [[ $arg == FILE || $arg == DIR ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		elif [[ -n $arg ]]; then
			COMPREPLY=()
			return
		fi
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(printf '%s\n' "$opts" | cut -d' ' -f1)" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_crm_commands "$tool")" -- "$cur") $(compgen -f -- "$cur"))
	fi
}

# _crm: `crm COMMAND ARG...` and `crm help COMMAND|KEY`.
_crm() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-h --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "help $(_crm_tools)" -- "$cur"))
		fi
	elif [[ ${COMP_WORDS[1]} == help ]]; then
		((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "$(_crm_tools) $(_crm_keys)" -- "$cur"))
	else
		local tool=${COMP_WORDS[1]}
		[[ $tool == crm-* ]] || tool=crm-$tool
		_crm_args "$tool" "$cur" "$prev"
	fi
}

# _crm_tool: a crm-TOOL's command line.
_crm_tool() {
	_crm_args "${COMP_WORDS[0]##*/}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}

complete -o filenames -F _crm crm
complete -o filenames -F _crm_tool $(compgen -c -- crm- | sort -u) crm-agg crm-churn crm-clean crm-gen \
	crm-json crm-kmeans crm-lifecycle crm-report crm-rfm crm-rules crm-tier
