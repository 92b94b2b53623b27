using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Notifications
{
    /// <summary>
    /// Notification ids as upstream forms them: a prefix and the first 16 hex digits of a SHA-256 over the listed fields.
    /// The fields are hashed as compact canonical JSON with keys sorted (ordinal), so the id does not depend on the order
    /// the code lists them in (docs/design/notifications.md §3).
    /// </summary>
    internal static class NotificationIds
    {
        public static string Of(string prefix, params (string Name, object? Value)[] fields) =>
            prefix + Sha256Hex(SortedJson(fields)).Substring(0, 16);

        /// <summary>Compact JSON of <paramref name="fields"/> with keys in ordinal order.</summary>
        public static string SortedJson(IEnumerable<(string Name, object? Value)> fields)
        {
            var sorted = new List<(string Name, object? Value)>(fields);
            sorted.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var w = new CanonicalJsonWriter(indented: false);
            w.StartObject();
            foreach (var (name, value) in sorted) w.Property(name, value);
            w.EndObject();
            return w.ToString();
        }

        public static string Sha256Hex(string text)
        {
            using (var sha = SHA256.Create())
                return InputFiles.ToHex(sha.ComputeHash(Encoding.UTF8.GetBytes(text)));
        }
    }
}
