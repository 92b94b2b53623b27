using System;
using System.Globalization;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Configuration
{
    /// <summary>What kind of value a setting holds, which decides how every source's text is read.</summary>
    public enum SettingKind
    {
        /// <summary>A <see cref="BackendMode"/>; unknown environment text fails closed to disabled (upstream <c>_normalized_mode</c>).</summary>
        Mode,
        /// <summary>A file or folder path; "" means not configured.</summary>
        Path,
        /// <summary>A double; environment text is read as Python <c>float()</c>, the default when it does not parse (upstream <c>_float_env</c>).</summary>
        Number,
        /// <summary>A flag (cmdlet switch, JSON true/false, environment 1/0, true/false, yes/no, on/off).</summary>
        Switch,
    }

    /// <summary>
    /// One row of the settings table (<see cref="GateSettings"/>): the setting's names in every source, its type, default and
    /// its one validator, which every source applies (cmdlet parameter, settings file, environment).
    /// </summary>
    public sealed class GateSetting
    {
        private readonly Func<object, string?>? _refuse;
        private readonly Func<object, string?>? _caution;

        internal GateSetting(string name, string environmentVariable, string? key, SettingKind kind, object defaultValue, string summary,
            string validation = "", Func<object, string?>? refuse = null, Func<object, string?>? caution = null, object? unreadableValue = null,
            string? evidenceFileName = null, bool evidenceFileOptional = false)
        {
            Name = name; EnvironmentVariable = environmentVariable; Key = key; Kind = kind; DefaultValue = defaultValue; Summary = summary;
            Validation = validation; _refuse = refuse; _caution = caution; UnreadableValue = unreadableValue ?? defaultValue;
            EvidenceFileName = evidenceFileName; EvidenceFileOptional = evidenceFileOptional;
            if (defaultValue.GetType() != ValueType) throw new ArgumentException($"{name}: default must be a {ValueType.Name}");
        }

        /// <summary>The cmdlet parameter name (and the name in <see cref="GateConfig"/>), e.g. RuntimePath.</summary>
        public string Name { get; }
        /// <summary>The environment variable, e.g. CAVRA_GO_RUNTIME_PATH.</summary>
        public string EnvironmentVariable { get; }
        /// <summary>The settings-file key and canonical JSON name (upstream snake_case), e.g. runtime_path; null when a settings file cannot set it.</summary>
        public string? Key { get; }
        public SettingKind Kind { get; }
        /// <summary>The value when no source gives one.</summary>
        public object DefaultValue { get; }
        /// <summary>One line for people: what the setting is for.</summary>
        public string Summary { get; }
        /// <summary>The validator's rule in words for the docs ("" when any value of the type is accepted).</summary>
        public string Validation { get; }
        /// <summary>What environment text that cannot be read at all becomes (the default unless the row fails closed otherwise).</summary>
        public object UnreadableValue { get; }

        /// <summary>For a path an evidence directory supplies: the upstream default file name inside it ("" for the directory
        /// itself, as the release package directory); null when the evidence directory does not supply this setting.</summary>
        public string? EvidenceFileName { get; }
        /// <summary>The evidence directory supplies this path only when the file exists there (an optional input, such as
        /// the drill schedule, joins the gate only when configured).</summary>
        public bool EvidenceFileOptional { get; }

        /// <summary>The .NET type of the value: BackendMode, string, double or bool.</summary>
        public Type ValueType => Kind switch
        {
            SettingKind.Mode => typeof(BackendMode),
            SettingKind.Path => typeof(string),
            SettingKind.Number => typeof(double),
            _ => typeof(bool),
        };

        /// <summary>The one validator: why <paramref name="value"/> is refused (completing "NAME must …"), or null when it is acceptable.</summary>
        public string? Refusal(object value) => _refuse?.Invoke(value);

        /// <summary>An accepted value worth a word (e.g. a non-positive age that makes its checks fail closed), else null.</summary>
        public string? Caution(object value) => _caution?.Invoke(value);

        /// <summary>Reads environment text. Returns false when a number cannot be read (upstream then uses the default, so the
        /// value is <see cref="UnreadableValue"/> from source Default); an unknown mode or flag is taken from the environment as
        /// its fail-closed value. <paramref name="note"/> says how the text was taken when not as written.</summary>
        public bool TryParseText(string text, out object value, out string? note)
        {
            note = null;
            switch (Kind)
            {
                case SettingKind.Mode:
                    value = GateConfig.NormalizeMode(text, out bool known);
                    if (!known) note = $"{EnvironmentVariable}='{text}' is not one of disabled, shadow, enforce, promoted; treated as disabled (fails closed)";
                    return true;
                case SettingKind.Path:
                    value = text;
                    return true;
                case SettingKind.Number:
                    if (PythonFloat.TryParse(text, out double parsed)) { value = parsed; return true; }
                    value = UnreadableValue;
                    note = $"{EnvironmentVariable}='{text}' is not a number; default {Describe(UnreadableValue)} used";
                    return false;
                default:
                    switch (text.Trim().ToLowerInvariant())
                    {
                        case "1": case "true": case "yes": case "on": value = true; return true;
                        case "0": case "false": case "no": case "off": case "": value = false; return true;
                    }
                    value = UnreadableValue;
                    // A flag that asks for more verification turns on when unreadable: a typo must not switch a requirement off.
                    note = $"{EnvironmentVariable}='{text}' is not true or false; {Describe(UnreadableValue)} used"
                        + (UnreadableValue is bool on && on ? " (fails closed)" : "");
                    return true;
            }
        }

        /// <summary>A value as people read it: numbers in Python float form, modes and flags in lower case.</summary>
        public static string Describe(object value) => value switch
        {
            double d => PythonFloat.Repr(d),
            bool b => b ? "true" : "false",
            BackendMode m => m.ToString().ToLowerInvariant(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
        };

        public override string ToString() => Name;
    }
}
