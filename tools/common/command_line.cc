#include "tools/common/command_line.h"

#include <algorithm>
#include <optional>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "swim/core/crypto.h"
#include "swim/core/version.h"

namespace swim::tools {
namespace {

// Flags that Abseil defines (--help, --flagfile, ...): only their names are
// checked here; absl::ParseCommandLine handles them.
bool DefinedByAbseil(const absl::CommandLineFlag& flag) {
  return absl::StrContains(flag.Filename(), "absl/");
}

// Abseil's usage flags (--help, --helpfull, --version, ...) are not
// registered flags; absl::ParseCommandLine recognises them by name.
bool IsUsageFlag(absl::string_view name) {
  for (absl::string_view usage :
       {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch",
        "version", "only_check_args"}) {
    if (name == usage) return true;
  }
  return false;
}

// Abseil's flags that read other flags from elsewhere (a file, the
// environment). Those would pass around every check here, and the
// programs read some of their settings (which flags were given, repeated
// ones such as --peer) from the command line itself, so they are refused.
bool ReadsFlagsFromElsewhere(absl::string_view name) {
  return name == "flagfile" || name == "fromenv" || name == "tryfromenv";
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CheckCommandLine(int argc,
                                                          char** argv) {
  return CheckCommandLine(std::vector<std::string>(argv, argv + argc));
}

absl::StatusOr<std::vector<std::string>> CheckCommandLine(
    const std::vector<std::string>& args,
    std::vector<std::string>* positional) {
  const int argc = static_cast<int>(args.size());
  std::vector<std::string> out;
  if (argc > 0) out.push_back(args[0]);
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = args[i];
    if (arg == "--") {
      if (positional != nullptr) {
        positional->insert(positional->end(), args.begin() + i + 1, args.end());
      } else {
        out.insert(out.end(), args.begin() + i, args.end());
      }
      break;
    }
    if (positional != nullptr && (arg.size() < 2 || arg[0] != '-')) {
      positional->push_back(std::string(arg));
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg,
                       "' (flags look like --name=value; see --help)"));
    }
    absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = body.find('=');
    const absl::string_view spelled = body.substr(0, equals);
    std::optional<std::string> value;
    if (equals != absl::string_view::npos) {
      value = std::string(body.substr(equals + 1));
    }
    std::string name(spelled);
    std::replace(name.begin(), name.end(), '-', '_');
    if (IsUsageFlag(name)) {
      out.push_back(std::string(arg));
      continue;
    }

    if (ReadsFlagsFromElsewhere(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", spelled,
          " is not supported: give the flags on the command line (the "
          "member programs also read SWIM_* environment variables, see "
          "--help)"));
    }

    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    bool negated = false;  // --nojson
    if (flag == nullptr && absl::StartsWith(name, "no") && !value) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && flag->IsOfType<bool>()) {
        negated = true;
      } else {
        flag = nullptr;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", spelled, " (see --help)"));
    }
    if (!value && !negated && !flag->IsOfType<bool>()) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", spelled, " needs a value"));
      }
      value = args[++i];
    }
    if (value && !DefinedByAbseil(*flag)) {
      std::string error;
      if (!flag->ParseFrom(*value, &error)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", spelled, "=", *value, ": ", error));
      }
    }
    std::string normalized =
        absl::StrCat("--", negated ? "no" : "", flag->Name());
    if (value) absl::StrAppend(&normalized, "=", *value);
    out.push_back(std::move(normalized));
  }
  return out;
}

std::string VersionText(absl::string_view program) {
  return absl::StrCat(program, " ", SWIM_VERSION_STRING, " (wire format ",
                      SWIM_WIRE_VERSION, ", ", crypto::BackendName(), ")\n");
}

}  // namespace swim::tools
