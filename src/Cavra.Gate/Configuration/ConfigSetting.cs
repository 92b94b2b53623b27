using Cavra.Gate.Serialization;

namespace Cavra.Gate.Configuration
{
    /// <summary>One effective configuration value, where it came from, and anything worth saying about it.</summary>
    public sealed class ConfigSetting : ICanonicalJson
    {
        internal ConfigSetting(GateSetting setting, object value, ConfigSource source, string? environmentValue, string? note, string? refusal = null)
        {
            Setting = setting; Value = value; Source = source; EnvironmentValue = environmentValue; Note = note; Refusal = refusal;
        }

        /// <summary>The row of the settings table this value is for.</summary>
        public GateSetting Setting { get; }
        /// <summary>The parameter name, e.g. RuntimePath.</summary>
        public string Name => Setting.Name;
        /// <summary>The upstream field name, e.g. runtime_path.</summary>
        public string Key => Setting.Key ?? "";
        public string EnvironmentVariable => Setting.EnvironmentVariable;
        public object Value { get; }
        public ConfigSource Source { get; }
        /// <summary>The raw environment text when the variable is set, even if it was overridden or rejected.</summary>
        public string? EnvironmentValue { get; }
        /// <summary>Why a value was not taken as written (unknown mode, unparseable or refused number), else null.</summary>
        public string? Note { get; }
        /// <summary>The validator's refusal of <see cref="Value"/> (it then fails closed where it is used), else null.</summary>
        public string? Refusal { get; }

        internal ConfigSetting WithValue(object value, ConfigSource source) => new ConfigSetting(Setting, value, source, EnvironmentValue, null);

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("name", Setting.Key ?? Setting.Name)
                .Property("value", Value)
                .Property("source", Source)
                .Property("environment_variable", EnvironmentVariable);
            if (Note != null) w.Property("note", Note);
            w.EndObject();
        }
    }
}
