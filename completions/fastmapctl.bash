# SPDX-License-Identifier: GPL-2.0-only
# bash completion for fastmapctl

_fastmapctl_instances() {
    fastmapctl list --json 2>/dev/null |
        grep -o '"name": *"[^"]*"' | sed 's/^"name": *"\(.*\)"$/\1/'
}

_fastmapctl() {
    local cur prev verb i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local verbs="attach detach list stats status top set get enable disable files events version policy decisions restore-defaults run"

    verb=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -*) ;;
            *) verb=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $verb ]]; then
        COMPREPLY=($(compgen -W "$verbs --help --version --no-daemon" -- "$cur"))
        return
    fi

    # run [--quiet] [--] COMMAND ARGS...: from COMMAND on, complete as that command does.
    if [[ $verb == run ]]; then
        local j
        for ((j = i + 1; j < COMP_CWORD; j++)); do
            case ${COMP_WORDS[j]} in
                --) j=$((j + 1)); break ;;
                -q|--quiet) ;;
                -*) ;;
                *) break ;;
            esac
        done
        if ((j < COMP_CWORD)) || [[ ${COMP_WORDS[COMP_CWORD-1]} == -- ]]; then
            ((j > COMP_CWORD)) && j=$COMP_CWORD
            if declare -F _command_offset >/dev/null; then
                _command_offset "$j"
            else
                COMPREPLY=($(compgen -c -- "$cur"))
            fi
        elif [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--quiet --help --" -- "$cur"))
        else
            COMPREPLY=($(compgen -c -- "$cur"))
        fi
        return
    fi

    # Options that take a value.
    case $prev in
        --cache|-c|--batch|-b|--name|-n|--count|--timeout|-t|--watch|-w|--interval|-i|--ino)
            return ;;
        --dev)
            return ;;
    esac

    local opts=
    case $verb in
        attach) opts="--name --cache --batch" ;;
        list|files|version|status|get) opts="--json" ;;
        stats) opts="--json --watch --count --prometheus" ;;
        set) opts="--json" ;;
        top) opts="--once --interval --json" ;;
        events) opts="--json --count --timeout" ;;
        enable) opts="--cache" ;;
        disable) opts="--dev --ino" ;;
        decisions) opts="--json --count" ;;
        restore-defaults) opts="--json" ;;
        policy)
            # Only `policy validate` and `policy show` print JSON; `policy reload` has no options.
            local k
            for ((k = i + 1; k < COMP_CWORD; k++)); do
                case ${COMP_WORDS[k]} in
                    validate|show) opts="--json"; break ;;
                    reload) break ;;
                esac
            done ;;
        run) opts="--quiet" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
        return
    fi

    # Position of cur among the verb's operands.
    local nargs=0
    for ((i = i + 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} != -* ]] && nargs=$((nargs + 1))
    done

    case $verb in
        attach)
            COMPREPLY=($(compgen -f -- "${cur:-/dev/}")) ;;
        policy)
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W "validate show reload" -- "$cur"))
            elif [[ ${COMP_WORDS[i - 1]} == validate || $prev == validate ]]; then
                COMPREPLY=($(compgen -f -- "$cur"))
            fi ;;
        detach|stats|restore-defaults)
            ((nargs == 0)) && COMPREPLY=($(compgen -W "$(_fastmapctl_instances)" -- "$cur")) ;;
        get)
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W "$(_fastmapctl_instances)" -- "$cur"))
            elif ((nargs == 1)); then
                COMPREPLY=($(compgen -W "id device dev size cache batch dirty_ratio wb_interval" -- "$cur"))
            fi ;;
        set)
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W "$(_fastmapctl_instances)" -- "$cur"))
            else
                compopt -o nospace 2>/dev/null
                COMPREPLY=($(compgen -W "cache= batch= dirty_ratio= wb_interval=" -- "$cur"))
            fi ;;
        enable|disable)
            COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}

complete -F _fastmapctl fastmapctl
