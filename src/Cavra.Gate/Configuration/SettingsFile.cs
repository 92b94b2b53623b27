using System;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Configuration
{
    /// <summary>
    /// A settings file: one JSON object of upstream's snake_case keys (the <see cref="GateSetting.Key"/> of each row), the
    /// same file for the HTTP API's --settings and the cmdlets' -SettingsPath. It goes through the same strict reader as
    /// every evidence file (size, depth, duplicate keys, UTF-8), and every value through its row's validator. A relative
    /// path in it resolves against the file's own folder, so the file means the same files wherever it is used from.
    /// </summary>
    public static class SettingsFile
    {
        /// <summary>Reads <paramref name="path"/> (already a full path) into the settings-file level of the configuration.</summary>
        /// <exception cref="SettingsFileException">The file is missing, unreadable, not strict JSON, or a key or value is not usable.</exception>
        public static GateParameters Read(InputFiles files, string path)
        {
            var read = files.ReadObject(path);
            if (!read.Valid) throw new SettingsFileException(path, $"settings file {path}: {read.Message}", missing: !System.IO.File.Exists(path) && !System.IO.Directory.Exists(path));
            string folder = System.IO.Path.GetDirectoryName(path) ?? "";
            var values = new GateParameters();
            foreach (var m in read.Payload.Members)
            {
                var setting = GateSettings.FindKey(m.Key) ?? throw new SettingsFileException(path, $"settings file {path}: unknown key '{m.Key}'");
                values.Set(setting, Value(setting, m.Value, path, folder));
            }
            return values;
        }

        private static object Value(GateSetting setting, JsonValue value, string file, string folder)
        {
            string key = setting.Key!;
            SettingsFileException Bad(string why) => new SettingsFileException(file, $"settings file {file}: {key} {why}");
            switch (setting.Kind)
            {
                case SettingKind.Mode:
                    var mode = GateConfig.NormalizeMode(value is JsonString m ? m.Value : throw Bad("must be a string"), out bool known);
                    return known ? mode : throw Bad("must be disabled, shadow, enforce or promoted");
                case SettingKind.Path:
                    // "" stays "not configured" (overriding the environment), as an explicit empty cmdlet parameter does.
                    string text = value is JsonString s ? s.Value : throw Bad("must be a string");
                    if (text.Length == 0 || System.IO.Path.IsPathRooted(text)) return text;
                    try { return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, text)); }
                    catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is System.IO.PathTooLongException)
                    {
                        throw Bad("is not a usable path");
                    }
                case SettingKind.Number:
                    double number = value is JsonNumber n ? n.Value : throw Bad("must be a number");
                    string? refusal = setting.Refusal(number);
                    return refusal == null ? number : throw Bad(refusal);
                default:
                    return value is JsonBoolean b ? b.Value : throw Bad("must be true or false");
            }
        }
    }

    /// <summary>A settings file that cannot be used; the message names the file and the problem.</summary>
    public sealed class SettingsFileException : Exception
    {
        public SettingsFileException(string path, string message, bool missing = false) : base(message) { Path = path; Missing = missing; }

        /// <summary>The settings file.</summary>
        public string Path { get; }
        /// <summary>True when nothing exists at <see cref="Path"/>.</summary>
        public bool Missing { get; }
    }
}
