using System;
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

        public static bool TryParse(byte[] bytes, bool overflowed, out JsonObject? decision, out string problem) =>
            TryParse(new ArraySegment<byte>(bytes), overflowed, out decision, out problem);

        public static bool TryParse(ArraySegment<byte> bytes, bool overflowed, out JsonObject? decision, out string problem)
        {
            decision = null;
            problem = "";
            if (overflowed || bytes.Count > MaxBytes) { problem = "exceeds 1 MiB"; return false; }
            if (bytes.Count == 0) { problem = "is empty"; return false; }
            // Straight from the bytes (a reply per action): the UTF-8 check allocates nothing, and the parser reads UTF-8.
            try { StrictUtf8.GetCharCount(bytes.Array!, bytes.Offset, bytes.Count); }
            catch (DecoderFallbackException) { problem = "is not valid UTF-8"; return false; }
            var utf8 = new ReadOnlySpan<byte>(bytes.Array, bytes.Offset, bytes.Count);
            if (utf8.Length >= 3 && utf8[0] == 0xEF && utf8[1] == 0xBB && utf8[2] == 0xBF) { problem = "is not valid JSON: unexpected byte-order mark"; return false; }
            if (!StrictJsonParser.TryParseUtf8(utf8, out var value, out var error)) { problem = "is not valid JSON: " + error!.Message; return false; }
            if (!(value is JsonObject obj)) { problem = "is not a JSON object"; return false; }
            decision = obj;
            return true;
        }
    }
}
