using Cavra.Gate.Serialization;

namespace Cavra.Gate.Configuration
{
    /// <summary>One effective configuration value, where it came from, and anything worth saying about it.</summary>
    public sealed class ConfigSetting : ICanonicalJson
    {
        internal ConfigSetting(string name, string key, string environmentVariable, object value, ConfigSource source, string? environmentValue, string? note)
        {
            Name = name; Key = key; EnvironmentVariable = environmentVariable; Value = value; Source = source;
            EnvironmentValue = environmentValue; Note = note;
        }

        /// <summary>The parameter name, e.g. RuntimePath.</summary>
        public string Name { get; }
        /// <summary>The upstream field name, e.g. runtime_path.</summary>
        public string Key { get; }
        public string EnvironmentVariable { get; }
        public object Value { get; }
        public ConfigSource Source { get; }
        /// <summary>The raw environment text when the variable is set, even if it was overridden or rejected.</summary>
        public string? EnvironmentValue { get; }
        /// <summary>Why a value was not taken as written (unknown mode, unparseable number), else null.</summary>
        public string? Note { get; }

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("name", Key)
                .Property("value", Value)
                .Property("source", Source)
                .Property("environment_variable", EnvironmentVariable);
            if (Note != null) w.Property("note", Note);
            w.EndObject();
        }
    }
}
