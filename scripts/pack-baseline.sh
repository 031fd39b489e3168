#!/usr/bin/env bash
# Replaces package-baseline/ (the last packed version every pack validates against: docs/development.md, "Compatibility
# with the last packed version") with the library packages packed from this checkout, at Directory.Build.props's
# Version, and sets KisBaselineVersion to it. Run on a release, or after a deliberate break instead of suppressing it.
# kisrt, a tool with no API, is not kept. Packs without validation (the old baseline is what is being replaced).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
[ -n "$version" ] || { echo "pack-baseline: no <Version> in Directory.Build.props" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet pack src/Kis.Realtime.Packages.slnf -c Release -o "$out" --nologo -v q -clp:ErrorsOnly \
  -p:IncludeSymbols=false -p:EnablePackageValidation=false \
  || { echo "pack-baseline: dotnet pack failed (see above)" >&2; exit 1; }
rm -rf package-baseline/*.nupkg
mkdir -p package-baseline
for package in "$out"/Kis.Realtime*."$version".nupkg; do
  case "$(basename "$package")" in Kis.Realtime.Cli.*) continue ;; esac
  cp "$package" package-baseline/
done
sed -i "s:<KisBaselineVersion Condition=\"'\$(KisBaselineVersion)' == ''\">[^<]*<:<KisBaselineVersion Condition=\"'\$(KisBaselineVersion)' == ''\">$version<:" \
  Directory.Build.props
echo "pack-baseline: $(find package-baseline -name '*.nupkg' | wc -l) packages of version $version in package-baseline/"
