export BACKUP_KIT_EMULATOR_PORT=4841 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
C=http://127.0.0.1:4842
EP=http://127.0.0.1:4841
INBOX=backup-kit-inbox-123456789012-us-east-1
login() { curl -s -c /tmp/c2/jar -o /dev/null -w '%{http_code} %{redirect_url}\n' "$(grep -o 'http://127.0.0.1:4842/?login=[0-9a-f]*' /tmp/console2-console.log)"; }
tok() { curl -s -b /tmp/c2/jar $C/ | grep -o 'name="token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//'; }
post() { local path=$1; shift; curl -s -b /tmp/c2/jar -H "Origin: $C" -w '\nHTTP %{http_code}\n' "$C$path" "$@"; }
txt() { python3 -c 'import sys,html,re; s=sys.stdin.read(); s=re.sub(r"<style.*?</style>","",s,flags=re.S); s=re.sub(r"<[^>]+>"," ",s); print(re.sub(r"[ \t]+"," ",html.unescape(s)))' | grep -v '^\s*$'; }
