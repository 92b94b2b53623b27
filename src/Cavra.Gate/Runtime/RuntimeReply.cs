using System.Text;
using Cavra.Gate.Json;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// What both transports accept as the runtime's answer (docs/design/runtime-protocol.md §2.2): at most 1 MiB of valid UTF-8 holding one
    /// JSON object. Problems are phrased to follow a subject ("output", "daemon reply"): "is empty", "exceeds 1 MiB", …
    /// </summary>
    internal static class RuntimeReply
    {
        public const int MaxBytes = 1024 * 1024;
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        public static bool TryParse(byte[] bytes, bool overflowed, out JsonObject? decision, out string problem)
        {
            decision = null;
            problem = "";
            if (overflowed || bytes.Length > MaxBytes) { problem = "exceeds 1 MiB"; return false; }
            if (bytes.Length == 0) { problem = "is empty"; return false; }
            string text;
            try { text = StrictUtf8.GetString(bytes); }
            catch (DecoderFallbackException) { problem = "is not valid UTF-8"; return false; }
            if (text.Length > 0 && text[0] == '\uFEFF') { problem = "is not valid JSON: unexpected byte-order mark"; return false; }
            if (!StrictJsonParser.TryParse(text, out var value, out var error)) { problem = "is not valid JSON: " + error!.Message; return false; }
            if (!(value is JsonObject obj)) { problem = "is not a JSON object"; return false; }
            decision = obj;
            return true;
        }
    }
}
