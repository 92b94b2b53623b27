using Cavra.Gate.Serialization;

namespace Cavra.PowerShell.Infrastructure
{
    internal static class CanonicalJsonOutput
    {
        /// <summary>The canonical snake_case document, the same text the HTTP API serves.</summary>
        public static string Of(object value) => CanonicalJsonWriter.Serialize(value);
    }
}
