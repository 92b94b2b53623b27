using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Reflection;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>The names of the configuration parameters every <see cref="GateConfigurationCmdlet"/> shares, read from the class
    /// itself so a parameter added there is known here too.</summary>
    internal static class GateConfigurationParameters
    {
        private static readonly Dictionary<string, Type> Parameters = Discover();

        public static IEnumerable<string> Names => Parameters.Keys;

        public static bool IsConfigurationParameter(string name) => Parameters.ContainsKey(name);

        /// <summary>The parameter's type (string parameters are paths).</summary>
        public static Type TypeOf(string name) => Parameters[name];

        private static Dictionary<string, Type> Discover()
        {
            var names = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in typeof(GateConfigurationCmdlet).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                if (p.GetCustomAttribute<ParameterAttribute>() != null) names[p.Name] = p.PropertyType;
            return names;
        }
    }
}
