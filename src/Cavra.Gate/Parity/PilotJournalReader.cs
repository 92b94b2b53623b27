using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Parity
{
    /// <summary>Why a journal line could not be trusted; each is a stable error id (Get-CavraGoPilotJournal's help lists them).</summary>
    public static class JournalErrorIds
    {
        public const string Unreadable = "JournalUnreadable";
        public const string HeaderInvalid = "JournalHeaderInvalid";
        public const string LineInvalid = "JournalLineInvalid";
        public const string ChainBroken = "JournalChainBroken";
        public const string LineTooLong = "JournalLineTooLong";
        public const string LineIncomplete = "JournalLineIncomplete";
    }

    /// <summary>One thing wrong with a journal, at a line (1-based; 0 for the file as a whole).</summary>
    public sealed class JournalProblem
    {
        internal JournalProblem(string path, long lineNumber, string errorId, string message, bool breaksChain)
        { Path = path; LineNumber = lineNumber; ErrorId = errorId; Message = message; BreaksChain = breaksChain; }

        public string Path { get; }
        public long LineNumber { get; }
        public string ErrorId { get; }
        public string Message { get; }
        /// <summary>False only for an incomplete last line (a batch a power cut tore), which proves nothing either way.</summary>
        public bool BreaksChain { get; }

        public override string ToString() => $"{Path}:{LineNumber}: {Message}";
    }

    /// <summary>A journal file as read: identity, whole-file SHA-256, line count and whether its chain held. Complete once
    /// the reader has reached its end.</summary>
    public sealed class JournalFile
    {
        public JournalFile(string path) { Path = path; }

        public string Path { get; }
        /// <summary>From the header; "" when the header could not be read.</summary>
        public string JournalId { get; internal set; } = "";
        public string Host { get; internal set; } = "";
        public DateTimeOffset? StartedAt { get; internal set; }
        /// <summary>SHA-256 of every byte read (set when complete).</summary>
        public string Sha256 { get; internal set; } = "";
        public long Lines { get; internal set; }
        public long Bytes { get; internal set; }
        /// <summary>Entries inside the -Since/-Until window.</summary>
        public long Entries { get; internal set; }
        public DateTimeOffset? WindowStart { get; internal set; }
        public DateTimeOffset? WindowEnd { get; internal set; }
        /// <summary>True while no problem that breaks the chain has been seen (and the file could be read).</summary>
        public bool ChainValid { get; internal set; } = true;
        public int Problems { get; internal set; }
        public bool Complete { get; internal set; }
    }

    /// <summary>The decision, rule and severity of one backend as a journal line records them.</summary>
    public sealed class JournalDecision
    {
        internal JournalDecision(string decision, string ruleId, string severity) { Decision = decision; RuleId = ruleId; Severity = severity; }
        public string Decision { get; }
        public string RuleId { get; }
        public string Severity { get; }
        public override string ToString() => $"{Decision} ({RuleId}, {Severity})";
    }

    /// <summary>One evaluation read back from a journal line whose chain link was verified.</summary>
    public sealed class PilotJournalEntry
    {
        private readonly byte[]? _line;
        private JsonObject? _document;

        internal PilotJournalEntry(JournalFile journal, long lineNumber, byte[]? line)
        {
            Journal = journal;
            LineNumber = lineNumber;
            _line = line;
        }

        public JournalFile Journal { get; }
        public string Path => Journal.Path;
        public long LineNumber { get; }
        public string EvaluationId { get; internal set; } = "";
        public DateTimeOffset EvaluatedAt { get; internal set; }
        public string Host { get; internal set; } = "";
        public string ModuleVersion { get; internal set; } = "";
        public string Transport { get; internal set; } = "";
        public string RuntimeSha256 { get; internal set; } = "";
        public string PolicySha256 { get; internal set; } = "";
        public string RegistrySha256 { get; internal set; } = "";
        public string BackendMode { get; internal set; } = "";
        public string SelectedBackend { get; internal set; } = "";
        public bool FallbackUsed { get; internal set; }
        public string FallbackReason { get; internal set; } = "";
        public bool? ParityMatch { get; internal set; }
        /// <summary>Why Go failed (timeout, crash, bad output), or "".</summary>
        public string GoFailure { get; internal set; } = "";
        public string ActionType { get; internal set; } = "";
        public string Target { get; internal set; } = "";
        public JournalDecision DotnetDecision { get; internal set; } = new JournalDecision("", "", "");
        /// <summary>Null when Go did not answer (not called, or failed).</summary>
        public JournalDecision? GoDecision { get; internal set; }
        /// <summary>Both backends answered: the entry is a parity sample.</summary>
        public bool Compared => GoDecision != null;

        /// <summary>The whole line as a JSON object (read with -IncludeLine, else null).</summary>
        public JsonObject? Document
        {
            get
            {
                if (_document == null && _line != null && StrictJsonParser.TryParse(_line, out var value, out _)) _document = value as JsonObject;
                return _document;
            }
        }

        /// <summary>The request as the pilot received it (read with -IncludeLine, else null).</summary>
        public ActionRequest? Request =>
            Document?.Get("request") is JsonObject o && ActionRequest.TryParse(o, out var request, out _) ? request : null;

        public override string ToString() => $"{Path}:{LineNumber} {EvaluationId}";
    }

    /// <summary>
    /// Streams a shadow journal's entries and verifies its hash chain as it reads (docs/design/measured-parity.md,
    /// "Reading and verifying"). Memory does not grow with the journal: one buffer, one line at a time. Every problem is
    /// passed to <see cref="Problem"/> with its line; reading goes on. A line that breaks the chain is not returned.
    /// </summary>
    public sealed class PilotJournalReader
    {
        /// <summary>Longer lines are reported and skipped (a real line is about a kilobyte; fallback lines a few dozen).</summary>
        public const int MaxLineBytes = 16 * 1024 * 1024;
        private const int BufferBytes = 1024 * 1024;

        private static readonly byte[] PrevKey = Encoding.UTF8.GetBytes("prev");

        /// <summary>Entries evaluated at or after this time (inclusive).</summary>
        public DateTimeOffset? Since { get; set; }
        /// <summary>Entries evaluated before this time (exclusive), so -Until t and -Since t split a journal exactly.</summary>
        public DateTimeOffset? Until { get; set; }
        /// <summary>Keep each line so <see cref="PilotJournalEntry.Document"/> and <see cref="PilotJournalEntry.Request"/> work.</summary>
        public bool KeepLines { get; set; }
        public Action<JournalProblem>? Problem { get; set; }

        public IEnumerable<PilotJournalEntry> Read(JournalFile file)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            FileStream stream;
            try
            {
                // A regular file only, opened without blocking: a FIFO or device is reported, never read (docs/design/file-system-rules.md).
                stream = Cavra.Gate.FileSystem.RegularFiles.OpenRead(System.IO.Path.GetFullPath(file.Path));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                Report(file, 0, JournalErrorIds.Unreadable, $"the journal cannot be read: {ex.Message}", true);
                file.Complete = true;
                yield break;
            }
            using (var scan = new Scan(this, file, stream))
            {
                while (scan.Next() is PilotJournalEntry entry) yield return entry;
                scan.Finish();
            }
        }

        /// <summary>One pass over one file: the buffer, the hashes and the chain state. The loop lives here, in a method
        /// compiled optimised at once, so lines that yield nothing (header, problems, outside the window) never leave it.</summary>
        private sealed class Scan : IDisposable
        {
            private readonly PilotJournalReader _reader;
            private readonly JournalFile _file;
            private readonly FileStream _stream;
            private readonly IncrementalHash _whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            private readonly SHA256 _sha = SHA256.Create();
            private readonly ChainState _state = new ChainState();
            private byte[] _buffer = new byte[BufferBytes];
            private int _start, _end;
            private bool _eof, _skipping, _done;
            private long _lineNumber;

            public Scan(PilotJournalReader reader, JournalFile file, FileStream stream) { _reader = reader; _file = file; _stream = stream; }

            /// <summary>The next entry, or null at the end of the file.</summary>
            [MethodImpl(Hot)]
            public PilotJournalEntry? Next()
            {
                while (!_done)
                {
                    int newline = _start < _end ? Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start) : -1;
                    if (newline < 0)
                    {
                        if (_eof)
                        {
                            if (_end > _start && !_skipping)
                            {
                                _lineNumber++;
                                _reader.Report(_file, _lineNumber, JournalErrorIds.LineIncomplete,
                                    $"line {_lineNumber} is incomplete (no newline): a batch cut short by a crash or power cut; it is not counted", false);
                            }
                            _done = true;
                            break;
                        }
                        Fill();
                        continue;
                    }
                    if (_skipping)
                    {
                        _skipping = false;
                        _start = newline + 1;
                        continue;
                    }
                    _lineNumber++;
                    var entry = _reader.Line(_file, _state, _sha, _buffer, _start, newline - _start, _lineNumber);
                    _start = newline + 1;
                    if (entry != null) return entry;
                }
                return null;
            }

            /// <summary>Moves the partial line to the front and reads more; grows for a long line, up to the limit.</summary>
            private void Fill()
            {
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                if (_end == _buffer.Length)
                {
                    if (_buffer.Length >= MaxLineBytes)
                    {
                        if (!_skipping)
                        {
                            _lineNumber++;
                            _reader.Report(_file, _lineNumber, JournalErrorIds.LineTooLong, $"line {_lineNumber} is longer than {MaxLineBytes / (1024 * 1024)} MiB; skipped", true);
                            _state.Previous = null; // the next link cannot be checked against an unread line
                        }
                        _skipping = true;
                        _end = 0;
                    }
                    else Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes));
                }
                int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
                if (n == 0) { _eof = true; return; }
                _whole.AppendData(_buffer, _end, n);
                _file.Bytes += n;
                _end += n;
            }

            public void Finish()
            {
                _file.Lines = _lineNumber;
                _file.Sha256 = InputFiles.ToHex(_whole.GetHashAndReset());
                _file.Complete = true;
            }

            public void Dispose()
            {
                _stream.Dispose();
                _whole.Dispose();
                _sha.Dispose();
            }
        }

        private sealed class ChainState
        {
            /// <summary>Hex of the previous line's SHA-256 as UTF-8 bytes; null before the header or after an unreadable line.</summary>
            public byte[]? Previous;
            public bool HeaderSeen;
        }

        [MethodImpl(Hot)]
        private PilotJournalEntry? Line(JournalFile file, ChainState state, SHA256 sha, byte[] buffer, int offset, int count, long lineNumber)
        {
            var span = new ReadOnlySpan<byte>(buffer, offset, count);
            byte[] hash = sha.ComputeHash(buffer, offset, count);
            byte[]? expected = state.Previous;
            state.Previous = HexUtf8(hash);

            if (lineNumber == 1)
            {
                ReadHeader(file, span, lineNumber);
                state.HeaderSeen = true;
                return null;
            }

            var entry = new PilotJournalEntry(file, lineNumber, KeepLines ? span.ToArray() : null);
            string? error;
            bool linked;
            try { error = ParseEntry(span, entry, expected, out linked); }
            catch (JsonException ex) { error = "not valid JSON: " + FirstSentence(ex.Message); linked = false; }
            catch (InvalidOperationException ex) { error = "not valid JSON: " + FirstSentence(ex.Message); linked = false; }
            if (error != null)
            {
                Report(file, lineNumber, JournalErrorIds.LineInvalid, $"line {lineNumber} is {error}", true);
                return null;
            }
            if (!linked)
            {
                long before = lineNumber - 1;
                Report(file, before, JournalErrorIds.ChainBroken,
                    $"line {before} does not match the SHA-256 that line {lineNumber} records for it: line {before} was changed, or lines were removed, inserted or reordered between them", true);
                return null;
            }
            bool inWindow = (!Since.HasValue || entry.EvaluatedAt >= Since.Value) && (!Until.HasValue || entry.EvaluatedAt < Until.Value);
            if (!inWindow) return null;
            file.Entries++;
            if (!file.WindowStart.HasValue || entry.EvaluatedAt < file.WindowStart.Value) file.WindowStart = entry.EvaluatedAt;
            if (!file.WindowEnd.HasValue || entry.EvaluatedAt > file.WindowEnd.Value) file.WindowEnd = entry.EvaluatedAt;
            return entry;
        }

        private void ReadHeader(JournalFile file, ReadOnlySpan<byte> span, long lineNumber)
        {
            string? schema = null;
            try
            {
                var r = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 64 });
                if (!r.Read() || r.TokenType != JsonTokenType.StartObject) throw new JsonException("not a JSON object");
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    string name = r.GetString()!;
                    r.Read();
                    switch (name)
                    {
                        case "journal_schema": schema = Text(ref r); break;
                        case "journal_id": file.JournalId = Text(ref r); break;
                        case "host": file.Host = Text(ref r); break;
                        case "started_at": file.StartedAt = Timestamp(ref r); break;
                        default: r.Skip(); break;
                    }
                }
                while (r.Read()) { } // trailing content throws
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException)
            {
                Report(file, lineNumber, JournalErrorIds.HeaderInvalid, $"line 1 is not a journal header: {FirstSentence(ex.Message)}", true);
                return;
            }
            if (schema != AuditJournal.Schema || file.JournalId.Length == 0)
                Report(file, lineNumber, JournalErrorIds.HeaderInvalid, schema == null
                    ? "line 1 is not a journal header (no journal_schema): the file does not start where the journal started"
                    : $"line 1 is not a {AuditJournal.Schema} header (journal_schema '{schema}'; journals written before hash chaining cannot be verified)", true);
        }

        // Values that repeat from line to line (hashes, host, version, mode, decisions) are materialised once and reused.
        private const int HostSlot = 0, VersionSlot = 1, TransportSlot = 2, RuntimeSlot = 3, PolicySlot = 4, RegistrySlot = 5, ModeSlot = 6,
            SelectedSlot = 7, FallbackSlot = 8, FailureSlot = 9, ActionSlot = 10, DecisionSlot = 11, RuleSlot = 12, SeveritySlot = 13;
        // MethodImplOptions.AggressiveOptimization (not named in netstandard2.0): the per-line methods are compiled fully
        // optimised at once, instead of running unoptimised until tiered compilation catches up, which on a busy machine
        // took most of a one-off measurement.
        private const MethodImplOptions Hot = (MethodImplOptions)512;

        private readonly string?[] _cachedText = new string?[14];
        private readonly byte[]?[] _cachedBytes = new byte[]?[14];

        [MethodImpl(Hot)]
        private string Cached(ref Utf8JsonReader r, int slot)
        {
            if (r.TokenType != JsonTokenType.String) { r.Skip(); return ""; }
            var known = _cachedBytes[slot];
            if (known != null && !r.ValueIsEscaped && r.ValueSpan.SequenceEqual(known)) return _cachedText[slot]!;
            string text = r.GetString()!;
            if (!r.ValueIsEscaped) { _cachedBytes[slot] = r.ValueSpan.ToArray(); _cachedText[slot] = text; }
            return text;
        }

        /// <summary>Fills the entry from the line; returns what is wrong with it, or null. <paramref name="linked"/>: the
        /// line's prev equals the SHA-256 of the previous line. Member names are compared as bytes, without allocating.</summary>
        [MethodImpl(Hot)]
        private string? ParseEntry(ReadOnlySpan<byte> span, PilotJournalEntry entry, byte[]? expected, out bool linked)
        {
            linked = false;
            bool sawPrev = false, sawId = false, sawTime = false, sawDotnet = false;
            (string? Decision, string? Rule, string? Severity)? goDecision = null;
            var r = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 64 });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return "not a JSON object";
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (!sawPrev)
                {
                    if (!r.ValueTextEquals(PrevKey)) return "not a journal entry (its first member is not prev)";
                    r.Read();
                    if (r.TokenType != JsonTokenType.String) return "not a journal entry (prev is not a string)";
                    linked = expected != null && !r.ValueIsEscaped && r.ValueSpan.SequenceEqual(expected);
                    sawPrev = true;
                    continue;
                }
                if (r.ValueTextEquals("evaluation_id"u8)) { r.Read(); entry.EvaluationId = Text(ref r); sawId = true; }
                else if (r.ValueTextEquals("evaluated_at"u8))
                {
                    r.Read();
                    var at = Timestamp(ref r);
                    if (!at.HasValue) return "not a journal entry (evaluated_at is not a timestamp)";
                    entry.EvaluatedAt = at.Value;
                    sawTime = true;
                }
                else if (r.ValueTextEquals("host"u8)) { r.Read(); entry.Host = Cached(ref r, HostSlot); }
                else if (r.ValueTextEquals("module_version"u8)) { r.Read(); entry.ModuleVersion = Cached(ref r, VersionSlot); }
                else if (r.ValueTextEquals("transport"u8)) { r.Read(); entry.Transport = Cached(ref r, TransportSlot); }
                else if (r.ValueTextEquals("runtime_sha256"u8)) { r.Read(); entry.RuntimeSha256 = Cached(ref r, RuntimeSlot); }
                else if (r.ValueTextEquals("policy_sha256"u8)) { r.Read(); entry.PolicySha256 = Cached(ref r, PolicySlot); }
                else if (r.ValueTextEquals("registry_sha256"u8)) { r.Read(); entry.RegistrySha256 = Cached(ref r, RegistrySlot); }
                else if (r.ValueTextEquals("backend_mode"u8)) { r.Read(); entry.BackendMode = Cached(ref r, ModeSlot); }
                else if (r.ValueTextEquals("selected_backend"u8)) { r.Read(); entry.SelectedBackend = Cached(ref r, SelectedSlot); }
                else if (r.ValueTextEquals("fallback_used"u8)) { r.Read(); entry.FallbackUsed = r.TokenType == JsonTokenType.True; r.Skip(); }
                else if (r.ValueTextEquals("fallback_reason"u8)) { r.Read(); entry.FallbackReason = Cached(ref r, FallbackSlot); }
                else if (r.ValueTextEquals("parity_match"u8))
                {
                    r.Read();
                    entry.ParityMatch = r.TokenType == JsonTokenType.True ? true : r.TokenType == JsonTokenType.False ? false : (bool?)null;
                    r.Skip();
                }
                else if (r.ValueTextEquals("go_failure"u8)) { r.Read(); entry.GoFailure = Cached(ref r, FailureSlot); }
                else if (r.ValueTextEquals("request"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.StartObject) return "not a journal entry (request is not an object)";
                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        if (r.ValueTextEquals("action_type"u8)) { r.Read(); entry.ActionType = Cached(ref r, ActionSlot); }
                        else if (r.ValueTextEquals("target"u8)) { r.Read(); entry.Target = Text(ref r); }
                        else { r.Read(); r.Skip(); }
                    }
                }
                else if (r.ValueTextEquals("dotnet_decision"u8))
                {
                    r.Read();
                    var dotnet = Decision(ref r);
                    if (dotnet?.Decision == null) return "not a journal entry (dotnet_decision is not an object with a decision)";
                    entry.DotnetDecision = new JournalDecision(dotnet.Value.Decision, dotnet.Value.Rule ?? "", dotnet.Value.Severity ?? "");
                    sawDotnet = true;
                }
                else if (r.ValueTextEquals("go_decision"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Null) continue;
                    goDecision = Decision(ref r);
                    if (goDecision == null) return "not a journal entry (go_decision is neither an object nor null)";
                }
                else { r.Read(); r.Skip(); }
            }
            if (r.TokenType != JsonTokenType.EndObject) return "not a JSON object";
            while (r.Read()) { } // anything after the object throws
            if (!sawPrev) return "not a journal entry (no prev)";
            if (!sawId || !sawTime || !sawDotnet) return "not a journal entry (evaluation_id, evaluated_at or dotnet_decision is missing)";
            if (goDecision != null)
            {
                // Go's decision lists only what differs from the built-in one.
                var d = entry.DotnetDecision;
                var go = goDecision.Value;
                entry.GoDecision = new JournalDecision(go.Decision ?? d.Decision, go.Rule ?? d.RuleId, go.Severity ?? d.Severity);
            }
            return null;
        }

        /// <summary>decision, rule_id and severity; a member that is absent stays null (in Go's decision: equal to the built-in one's).</summary>
        [MethodImpl(Hot)]
        private (string? Decision, string? Rule, string? Severity)? Decision(ref Utf8JsonReader r)
        {
            if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return null; }
            string? decision = null, rule = null, severity = null;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("decision"u8)) { r.Read(); decision = Cached(ref r, DecisionSlot); }
                else if (r.ValueTextEquals("rule_id"u8)) { r.Read(); rule = Cached(ref r, RuleSlot); }
                else if (r.ValueTextEquals("severity"u8)) { r.Read(); severity = Cached(ref r, SeveritySlot); }
                else { r.Read(); r.Skip(); }
            }
            return (decision, rule, severity);
        }

        [MethodImpl(Hot)]
        private static string Text(ref Utf8JsonReader r)
        {
            if (r.TokenType == JsonTokenType.String) return r.GetString()!;
            r.Skip();
            return "";
        }

        [MethodImpl(Hot)]
        private static DateTimeOffset? Timestamp(ref Utf8JsonReader r)
        {
            if (r.TokenType != JsonTokenType.String) { r.Skip(); return null; }
            if (r.TryGetDateTimeOffset(out var at)) return at.ToUniversalTime();
            return IsoTimestamp.TryParse(r.GetString(), out at) ? at : (DateTimeOffset?)null;
        }

        private void Report(JournalFile file, long line, string errorId, string message, bool breaksChain)
        {
            if (breaksChain) file.ChainValid = false;
            file.Problems++;
            Problem?.Invoke(new JournalProblem(file.Path, line, errorId, message, breaksChain));
        }

        [MethodImpl(Hot)]
        private static byte[] HexUtf8(byte[] hash)
        {
            const string Digits = "0123456789abcdef";
            var hex = new byte[hash.Length * 2];
            for (int i = 0; i < hash.Length; i++)
            {
                hex[2 * i] = (byte)Digits[hash[i] >> 4];
                hex[2 * i + 1] = (byte)Digits[hash[i] & 0xF];
            }
            return hex;
        }

        private static string FirstSentence(string message)
        {
            int at = message.IndexOf(" Path:", StringComparison.Ordinal);
            return at > 0 ? message.Substring(0, at) : message;
        }
    }
}
