using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Cavra.Gate.Json
{
    /// <summary>
    /// The engine's only door to the file system: reads gate input files strictly, tests paths for existence and
    /// hashes bound artefacts. Relative paths resolve against <see cref="BaseDirectory"/> (the caller's working
    /// directory, e.g. PowerShell's $PWD, not the process directory). Nothing here throws on bad input.
    /// </summary>
    public sealed class InputFiles
    {
        /// <summary>Inputs larger than this are rejected unread (spec README §3.1).</summary>
        public const long MaxFileBytes = 1024 * 1024;

        private static readonly ConcurrentDictionary<string, (long Length, DateTime Modified, string Hash)> HashCache =
            new ConcurrentDictionary<string, (long, DateTime, string)>(StringComparer.Ordinal);

        public InputFiles(string? baseDirectory = null)
        {
            BaseDirectory = string.IsNullOrEmpty(baseDirectory) ? Directory.GetCurrentDirectory() : baseDirectory!;
        }

        public string BaseDirectory { get; }

        // A snapshot reads each file once, so one evaluation sees one consistent state of the evidence
        // even while an operator is rewriting files, and the gate stays cheap enough to run per request.
        private Dictionary<string, JsonFileCheck>? _snapshot;
        private InputFiles? _parent;

        /// <summary>A view of the same files that reads each file at most once for its lifetime.</summary>
        public InputFiles Snapshot() =>
            new InputFiles(BaseDirectory) { OpenRead = OpenRead, _snapshot = new Dictionary<string, JsonFileCheck>(StringComparer.Ordinal), _parent = this };

        private void OnFileRead(string full)
        {
            FileRead?.Invoke(full);
            _parent?.OnFileRead(full);
        }

        /// <summary>Opens a file for reading. Tests replace it to simulate permission errors, which root cannot provoke with chmod.</summary>
        internal Func<string, Stream> OpenRead { get; set; } =
            full => new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1); // read whole into a sized buffer: no second one

        /// <summary>Raised with the full path of every file read, so cmdlets can narrate it with -Verbose.</summary>
        public event Action<string>? FileRead;

        public string Resolve(string path)
        {
            try { return System.IO.Path.GetFullPath(System.IO.Path.Combine(BaseDirectory, path)); }
            catch (Exception) { return path; } // an illegal path simply does not exist
        }

        /// <summary>True when the path is non-empty and names an existing file or directory (upstream: existence only).</summary>
        public bool Exists(string? path)
        {
            if (string.IsNullOrEmpty(path)) return false;
            var full = Resolve(path!);
            return File.Exists(full) || Directory.Exists(full);
        }

        /// <summary>Reads and strictly parses a JSON object file. An empty/null path means "not configured".</summary>
        public JsonFileCheck ReadObject(string? path)
        {
            if (string.IsNullOrEmpty(path)) return JsonFileCheck.Invalid(JsonFileCheck.NotConfiguredMessage, null);
            string full = Resolve(path!);
            if (_snapshot == null) return ReadObjectUncached(full);
            if (!_snapshot.TryGetValue(full, out var check)) _snapshot[full] = check = ReadObjectUncached(full);
            return check;
        }

        private JsonFileCheck ReadObjectUncached(string full)
        {
            byte[] bytes;
            try
            {
                var info = new FileInfo(full);
                if (!info.Exists) return JsonFileCheck.Invalid(JsonFileCheck.MissingMessage, full);
                if (info.Length > MaxFileBytes)
                    return JsonFileCheck.Invalid($"metadata file is larger than {MaxFileBytes / (1024 * 1024)} MiB ({info.Length} bytes)", full);
                bytes = ReadBounded(full, info.Length);
                OnFileRead(full);
            }
            catch (FileTooLargeException ex) { return JsonFileCheck.Invalid(ex.Message, full); }
            catch (UnauthorizedAccessException) { return JsonFileCheck.Invalid("metadata file could not be read: permission denied", full); }
            catch (Exception ex) when (ex is IOException || ex is NotSupportedException || ex is ArgumentException || ex is System.Security.SecurityException)
            {
                if (Directory.Exists(full)) return JsonFileCheck.Invalid(JsonFileCheck.MissingMessage, full);
                return JsonFileCheck.Invalid("metadata file could not be read: " + ex.Message, full);
            }

            if (bytes.Length == 0) return JsonFileCheck.Invalid("metadata JSON is invalid: file is empty", full);
            if (!StrictJsonParser.TryParse(bytes, out var value, out var error))
                return JsonFileCheck.Invalid("metadata JSON is invalid: " + error!.Message, full);
            if (value is JsonObject obj) return JsonFileCheck.Ok(obj, full);
            return JsonFileCheck.Invalid(JsonFileCheck.NotAnObjectMessage, full);
        }

        /// <summary>A cheap identity of a path's current state (exists, size, modified time) to notice that an input changed.</summary>
        public string Fingerprint(string? path)
        {
            if (string.IsNullOrEmpty(path)) return "-";
            string full = Resolve(path!);
            try
            {
                var info = new FileInfo(full);
                if (info.Exists) return "f:" + info.Length + ":" + info.LastWriteTimeUtc.Ticks;
                var dir = new DirectoryInfo(full);
                return dir.Exists ? "d:" + dir.LastWriteTimeUtc.Ticks : "missing";
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return "error";
            }
        }

        /// <summary>Lower-case hex SHA-256 of a file, or null when it cannot be read. Cached by path, size and mtime
        /// because runtime binaries are large and the gate runs per request.</summary>
        public string? Sha256(string? path)
        {
            if (string.IsNullOrEmpty(path)) return null;
            string full = Resolve(path!);
            try
            {
                var info = new FileInfo(full);
                if (!info.Exists) return null;
                if (HashCache.TryGetValue(full, out var cached) && cached.Length == info.Length && cached.Modified == info.LastWriteTimeUtc)
                    return cached.Hash;
                string hash;
                using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var sha = SHA256.Create())
                    hash = ToHex(sha.ComputeHash(stream));
                HashCache[full] = (info.Length, info.LastWriteTimeUtc, hash);
                return hash;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return null;
            }
        }

        public static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2"));
            return sb.ToString();
        }

        private byte[] ReadBounded(string full, long expectedLength)
        {
            // Sized from the length just checked, so a small evidence file costs a small buffer (the gate runs per HTTP
            // request). The length can race with a writer: grow as needed, and read at most one byte past the limit.
            using var stream = OpenRead(full);
            var buffer = new byte[Math.Min(Math.Max(expectedLength, 0) + 1, MaxFileBytes + 1)];
            int total = 0, n;
            while ((n = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
                if (total < buffer.Length) continue;
                if (buffer.Length > MaxFileBytes) throw new FileTooLargeException($"metadata file is larger than {MaxFileBytes / (1024 * 1024)} MiB");
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, MaxFileBytes + 1));
            }
            if (total != buffer.Length) Array.Resize(ref buffer, total);
            return buffer;
        }

        private sealed class FileTooLargeException : Exception
        {
            public FileTooLargeException(string message) : base(message) { }
        }
    }
}
