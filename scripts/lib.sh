# Shared steps of scripts/demo and scripts/test.

ensure_venv() {
    local stamp=.venv/.installed
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    # Reinstall only when the dependencies changed.
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/pip install --quiet --upgrade pip
        .venv/bin/pip install --quiet -e '.[test]'
        touch "$stamp"
    fi
}

ensure_chromium() {
    # The browser tests drive Debian's Chromium: Playwright cannot download
    # its own browser on these machines.
    if [ -x /usr/bin/chromium ] || [ -n "${RETECUP_SKIP_BROWSER:-}" ]; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium non trovato: i test nel browser saranno saltati" >&2
    fi
}
