using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Cavra.Gate.Json;

namespace Cavra.Gate.FileSystem
{
    /// <summary>
    /// The engine's only door to the file system: reads gate input files strictly, tests paths for existence and
    /// hashes bound artefacts. Relative paths resolve against <see cref="BaseDirectory"/> (the caller's working
    /// directory, e.g. PowerShell's $PWD, not the process directory). Nothing here throws on bad input.
    /// Bytes come only from regular files, through <see cref="RegularFiles"/>: never blocking on a FIFO or device, bounded
    /// by size and time (docs/design/file-system-rules.md).
    /// </summary>
    public sealed class InputFiles
    {
        /// <summary>Inputs larger than this are rejected unread (docs/design/evidence.md §1.1).</summary>
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
        internal Func<string, Stream> OpenRead { get; set; } = RegularFiles.OpenRead;

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

        /// <summary>True when the path names a regular file (links followed): policy and registry must be one (stricter than upstream).</summary>
        public bool IsRegularFile(string? path) => !string.IsNullOrEmpty(path) && FileKinds.Of(Resolve(path!)) == FileKind.Regular;

        /// <summary>True when the path names a regular file this process may execute: the runtime must be one (stricter than upstream).</summary>
        public bool IsExecutableFile(string? path) => !string.IsNullOrEmpty(path) && RegularFiles.IsExecutable(Resolve(path!));

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
                var kind = FileKinds.Of(full);
                // A directory reads as missing, as upstream's is_file() sees it; any other special file is named.
                if (kind == FileKind.Missing || kind == FileKind.Directory) return JsonFileCheck.Invalid(JsonFileCheck.MissingMessage, full);
                if (kind != FileKind.Regular) return JsonFileCheck.Invalid(NotRegularMessage(kind), full);
                bytes = RegularFiles.ReadAll(OpenRead, full, MaxFileBytes, RegularFiles.ReadTimeout);
                OnFileRead(full);
            }
            catch (FileTooLargeException ex) { return JsonFileCheck.Invalid("metadata file is " + ex.Message, full); }
            catch (NotARegularFileException ex) { return JsonFileCheck.Invalid(NotRegularMessage(ex.Kind), full); }
            catch (FileNotFoundException) { return JsonFileCheck.Invalid(JsonFileCheck.MissingMessage, full); }
            catch (TimeoutException) { return JsonFileCheck.Invalid($"metadata file could not be read within {RegularFiles.ReadTimeout.TotalSeconds:0} seconds", full); }
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

        internal static string NotRegularMessage(FileKind kind) => "metadata file is not a regular file: " + FileKinds.Describe(kind);

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

        /// <summary>Lower-case hex SHA-256 of a regular file, or null when it cannot be read: missing, not a regular file
        /// (a FIFO or <c>/dev/zero</c> is never read), larger than <see cref="RegularFiles.MaxHashBytes"/> or slower than
        /// <see cref="RegularFiles.HashTimeout"/>. Cached by path, size and mtime because runtime binaries are large and the
        /// gate runs per request.</summary>
        public string? Sha256(string? path)
        {
            if (string.IsNullOrEmpty(path)) return null;
            string full = Resolve(path!);
            try
            {
                if (FileKinds.Of(full) != FileKind.Regular) return null;
                var info = new FileInfo(full);
                if (!info.Exists) return null;
                if (HashCache.TryGetValue(full, out var cached) && cached.Length == info.Length && cached.Modified == info.LastWriteTimeUtc)
                    return cached.Hash;
                string hash = ToHex(RegularFiles.Sha256(full, RegularFiles.MaxHashBytes, RegularFiles.HashTimeout));
                HashCache[full] = (info.Length, info.LastWriteTimeUtc, hash);
                return hash;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException || ex is TimeoutException)
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
    }
}
