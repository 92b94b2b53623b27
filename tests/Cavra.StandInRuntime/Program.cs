using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

// A stand-in for cavra-runtime in one-shot mode (docs/design/runtime-protocol.md §2, §5): Go flag syntax (-x or --x, "--x v" or
// "--x=v", "--" ends the flags), flags --policy, --registry and --input (default "-", stdin). Like the real binary it
// loads the policy and registry first (failure: one line on stderr, exit 1), then reads all of stdin, evaluates with the
// built-in engine and prints the Decision as pretty JSON plus a newline, exit 0. A bad flag is exit 2, like Go's flag.
//
// Daemon mode (docs/design/runtime-protocol.md §3): --serve [--socket PATH] (default .cavra/cavra-runtime.sock) answers one request per
// connection on a Unix socket until SIGINT/SIGTERM, then removes the socket file. In this mode CAVRA_STANDIN_BEHAVIOR
// is one of normal | diverge | garbage | array | invalid-utf8 | huge (per request) | close-without-answer |
// never-answer | crash-after-N (SIGKILLs itself on request N+1; the readiness probe counts) | hang-after-N |
// delay-MS | sleep (never listens) | crash | exit-nonzero (exit at start); daemon requests are logged as "daemon BASE64".
//
// Environment (the pilot passes only argv; the environment is inherited):
//   CAVRA_STANDIN_BEHAVIOR  normal (default) | diverge | diverge-if-TEXT (flips allow/block only for targets containing
//                           TEXT, in both modes) | sleep | sleep-with-child | exit-leaving-child | crash |
//                           exit-nonzero | garbage | array | string | huge | stderr-flood | ignore-stdin | invalid-utf8 | empty
//   CAVRA_STANDIN_PID_FILE  written at start: this process's id; with a grandchild, a second line with its id
//   CAVRA_STANDIN_LOG       each request received is appended as one line: the stdin bytes, base64
//   CAVRA_STANDIN_ARGV_LOG  each invocation's argv (without the program path) is appended as one JSON array line
const string Usage = "Usage of cavra-runtime:\n  -input string\n    \tpath to request JSON, or - for stdin (default \"-\")\n" +
                     "  -policy string\n    \tpath to compiled policy JSON\n  -registry string\n    \tpath to trust registry JSON";

string behavior = Environment.GetEnvironmentVariable("CAVRA_STANDIN_BEHAVIOR") is { Length: > 0 } b ? b : "normal";
string? pidFile = Environment.GetEnvironmentVariable("CAVRA_STANDIN_PID_FILE");
AppendLine("CAVRA_STANDIN_ARGV_LOG", "[" + string.Join(",", args.Select(a => JsonString(a))) + "]");

string policyPath = "", registryPath = "", inputPath = "-", socketPath = ".cavra/cavra-runtime.sock";
bool serve = false;
for (int i = 0; i < args.Length; i++)
{
    string arg = args[i];
    if (arg.Length < 2 || arg[0] != '-') break;                 // first non-flag argument ends the flags
    if (arg == "--") break;
    string name = arg[1] == '-' ? arg[2..] : arg[1..];
    if (name.Length == 0 || name[0] == '-' || name[0] == '=') return FlagError($"bad flag syntax: {arg}");
    string? value = null;
    int eq = name.IndexOf('=');
    if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
    if (name is "h" or "help") { Console.Error.WriteLine(Usage); return 0; }
    if (name is not ("policy" or "registry" or "input" or "serve" or "socket")) return FlagError($"flag provided but not defined: -{name}");
    if (name == "serve")
    {
        // A Go bool flag: bare, or =true/=false; never the next argument.
        if (value is not (null or "true" or "false")) return FlagError($"invalid boolean value \"{value}\" for -serve: parse error");
        serve = value != "false";
        continue;
    }
    if (value == null)
    {
        if (i + 1 >= args.Length) return FlagError($"flag needs an argument: -{name}");
        value = args[++i];
    }
    switch (name)
    {
        case "policy": policyPath = value; break;
        case "registry": registryPath = value; break;
        case "socket": socketPath = value; break;
        default: inputPath = value; break;
    }
}

if (pidFile != null && behavior is not ("sleep-with-child" or "exit-leaving-child")) File.WriteAllText(pidFile, $"{Environment.ProcessId}\n");

// In --serve mode only sleep, crash and exit-nonzero act at start; the daemon's own behaviours act per request.
switch (serve && !(behavior is "sleep" or "crash" or "exit-nonzero") ? (Daemon.Knows(behavior) ? "normal" : behavior) : behavior)
{
    case var chosen when chosen.StartsWith("diverge-if-", StringComparison.Ordinal): break;
    case "normal": case "diverge": case "stderr-flood": case "ignore-stdin": case "exit-leaving-child": break;
    case "sleep": Thread.Sleep(TimeSpan.FromMinutes(10)); return 0;
    case "sleep-with-child":
        StartSleepingGrandchild();
        Thread.Sleep(TimeSpan.FromMinutes(10));
        return 0;
    case "crash": throw new InvalidOperationException("stand-in runtime crashed on request");
    case "exit-nonzero": Console.Error.WriteLine("open policy.json: no such file or directory"); return 3;
    case "garbage": Console.Out.Write("this is not json {"); return 0;
    case "array": Console.Out.Write("[]\n"); return 0;
    case "string": Console.Out.Write("\"x\"\n"); return 0;
    case "empty": return 0;
    case "invalid-utf8":
    {
        using var o = Console.OpenStandardOutput();
        o.Write("{\"decision\": \"allow\", \"reason\": \""u8);
        o.Write(new byte[] { 0xC3, 0x28 });
        o.Write("\"}\n"u8);
        return 0;
    }
    case "huge":
    {
        using var o = Console.OpenStandardOutput();
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
        o.Write("{\"pad\": \""u8);
        for (int k = 0; k < 80; k++) o.Write(chunk); // 5 MiB
        o.Write("\"}\n"u8);
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown CAVRA_STANDIN_BEHAVIOR \"{behavior}\"");
        return 64;
}

// Like the real binary: policy and registry are loaded before the request is read.
var files = new InputFiles();
CompiledPolicy? policy = null;
TrustRegistry? registry = null;
if (policyPath.Length > 0)
{
    var read = files.ReadObject(policyPath);
    if (!read.Valid) return Fail($"load policy {policyPath}: {read.Message}");
    if (!CompiledPolicy.TryLoad(read.Payload, out policy, out var error)) return Fail($"load policy {policyPath}: {error}");
}
if (registryPath.Length > 0)
{
    var read = files.ReadObject(registryPath);
    if (!read.Valid) return Fail($"load registry {registryPath}: {read.Message}");
    if (!TrustRegistry.TryLoad(read.Payload, out registry, out var error)) return Fail($"load registry {registryPath}: {error}");
}

if (serve) return await Daemon.Serve(socketPath, new DecisionEngine(policy, registry), behavior);

ActionRequest request;
if (behavior == "ignore-stdin")
{
    request = new ActionRequest { ActionType = "execute_command", Target = "terraform plan" };
}
else
{
    byte[] bytes;
    try
    {
        using var input = inputPath == "-" ? Console.OpenStandardInput() : File.OpenRead(inputPath);
        using var ms = new MemoryStream();
        input.CopyTo(ms);
        bytes = ms.ToArray();
    }
    catch (IOException ex) { return Fail(ex.Message); }
    AppendLine("CAVRA_STANDIN_LOG", Convert.ToBase64String(bytes));
    string text;
    try { text = new UTF8Encoding(false, true).GetString(bytes); }
    catch (DecoderFallbackException) { return Fail("invalid UTF-8 in request"); }
    if (!StrictJsonParser.TryParse(text, out var json, out var parseError)) return Fail(parseError!.Message);
    if (!ActionRequest.TryParse(json, out request, out var bindError)) return Fail(bindError);
}

if (behavior == "stderr-flood")
{
    using var e = Console.OpenStandardError();
    var chunk = Encoding.ASCII.GetBytes(new string('e', 64 * 1024));
    for (int k = 0; k < 80; k++) e.Write(chunk); // 5 MiB
}
if (behavior == "exit-leaving-child") StartSleepingGrandchild(); // it inherits stdout and keeps it open after we exit

var decision = new DecisionEngine(policy, registry).Evaluate(request);
string answer = decision.ToRuntimeJson(); // pretty JSON with its trailing newline, as the Go CLI prints it
if (behavior == "diverge" || Daemon.DivergesOn(behavior, request))
{
    string flipped = decision.Verdict == Decision.Allow ? Decision.Block : Decision.Allow;
    string from = $"\"decision\": \"{decision.Verdict}\"";
    if (!answer.Contains(from)) return Fail("diverge: decision not found in the answer");
    answer = answer.Replace(from, $"\"decision\": \"{flipped}\"");
}
using (var stdout = Console.OpenStandardOutput()) stdout.Write(new UTF8Encoding(false).GetBytes(answer));
return 0;

int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 1;
}

int FlagError(string message)
{
    Console.Error.WriteLine(message);
    Console.Error.WriteLine(Usage);
    return 2;
}

void StartSleepingGrandchild()
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false }; // inherits stdin/stdout/stderr
    start.Environment["CAVRA_STANDIN_BEHAVIOR"] = "sleep";
    start.Environment.Remove("CAVRA_STANDIN_PID_FILE");
    start.Environment.Remove("CAVRA_STANDIN_ARGV_LOG");
    using var child = Process.Start(start)!;
    if (pidFile != null) File.WriteAllText(pidFile, $"{Environment.ProcessId}\n{child.Id}\n");
}

void AppendLine(string variable, string line)
{
    if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path) File.AppendAllText(path, line + "\n");
}

static string JsonString(string s)
{
    var sb = new StringBuilder("\"");
    foreach (char c in s)
    {
        if (c == '"' || c == '\\') sb.Append('\\').Append(c);
        else if (c < 0x20) sb.Append($"\\u{(int)c:x4}");
        else sb.Append(c);
    }
    return sb.Append('"').ToString();
}

/// <summary>The stand-in's <c>--serve</c> mode: the daemon side of docs/design/runtime-protocol.md §3.</summary>
internal static class Daemon
{
    private static int _served;

    /// <summary>diverge-if-TEXT: disagree (allow and block swapped) only on actions whose target contains TEXT.</summary>
    public static bool DivergesOn(string behavior, ActionRequest request) =>
        behavior.StartsWith("diverge-if-", StringComparison.Ordinal) && request.Target.Contains(behavior["diverge-if-".Length..], StringComparison.Ordinal);

    public static bool Knows(string behavior) =>
        behavior.StartsWith("diverge-if-", StringComparison.Ordinal) || behavior is "normal" or "diverge" or "garbage" or "array" or "invalid-utf8" or "huge" or "close-without-answer" or "never-answer"
        || behavior.StartsWith("crash-after-", StringComparison.Ordinal) || behavior.StartsWith("hang-after-", StringComparison.Ordinal)
        || behavior.StartsWith("delay-", StringComparison.Ordinal);

    public static async Task<int> Serve(string socketPath, DecisionEngine engine, string behavior)
    {
        string full = Path.GetFullPath(socketPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!); // Go: MkdirAll 0755 (an existing directory keeps its mode)
        if (File.Exists(full)) File.Delete(full);
        using var stop = new CancellationTokenSource();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); listener.Dispose(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); listener.Dispose(); });
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(full));
            listener.Listen(512);
            // A few threads that accept and answer with blocking calls, like goroutines per connection but without the
            // async machinery's per-connection cost; a connection that must hang is parked on its own task.
            var threads = new List<Thread>();
            for (int i = 0; i < Math.Max(2, Environment.ProcessorCount); i++)
            {
                var t = new Thread(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        Socket connection;
                        try { connection = listener.Accept(); }
                        catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException) { break; }
                        Handle(connection, engine, behavior, stop.Token);
                    }
                }) { IsBackground = true };
                threads.Add(t);
                t.Start();
            }
            try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
        }
        finally
        {
            listener.Dispose();
            try { File.Delete(full); } catch (IOException) { } // Go removes the socket file on SIGINT/SIGTERM
        }
        return 0;
    }

    private static void Handle(Socket connection, DecisionEngine engine, string behavior, CancellationToken stop)
    {
        bool parked = false;
        try
        {
            var request = ReadFirstValue(connection);
            int count = Interlocked.Increment(ref _served);
            var log = Environment.GetEnvironmentVariable("CAVRA_STANDIN_LOG");
            if (log != null && request != null) lock (typeof(Daemon)) File.AppendAllText(log, "daemon " + Convert.ToBase64String(request) + "\n");

            if (behavior.StartsWith("crash-after-", StringComparison.Ordinal) && count > int.Parse(behavior["crash-after-".Length..]))
                Process.GetCurrentProcess().Kill(); // SIGKILL: no cleanup, the socket file stays, as after a real crash
            if (behavior.StartsWith("hang-after-", StringComparison.Ordinal) && count > int.Parse(behavior["hang-after-".Length..]))
                behavior = "never-answer";
            if (behavior.StartsWith("delay-", StringComparison.Ordinal)) Thread.Sleep(int.Parse(behavior["delay-".Length..]));
            switch (behavior)
            {
                case "close-without-answer": return;
                case "never-answer":
                    parked = true;
                    _ = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => connection.Dispose(), TaskScheduler.Default);
                    return;
                case "garbage": Send(connection, "this is not json {"u8.ToArray()); return;
                case "array": Send(connection, "[]\n"u8.ToArray()); return;
                case "invalid-utf8": Send(connection, [.. "{\"decision\": \""u8, 0xC3, 0x28, .. "\"}\n"u8]); return;
                case "huge": Send(connection, [.. "{\"pad\": \""u8, .. Encoding.ASCII.GetBytes(new string(' ', 5 * 1024 * 1024)), .. "\"}\n"u8]); return;
            }

            // Malformed request: close without writing anything (docs/design/runtime-protocol.md §3.3).
            if (request == null || !StrictJsonParser.TryParse(Encoding.UTF8.GetString(request), out var json, out _)
                || !ActionRequest.TryParseContract(json, out var parsed, out _))
                return;
            var decision = engine.Evaluate(parsed);
            string text = decision.ToDaemonJson();
            if (behavior == "diverge" || DivergesOn(behavior, parsed))
            {
                string flipped = decision.Verdict == Decision.Allow ? Decision.Block : Decision.Allow;
                text = text.Replace($"\"decision\":\"{decision.Verdict}\"", $"\"decision\":\"{flipped}\"");
            }
            Send(connection, Encoding.UTF8.GetBytes(text));
        }
        catch (Exception ex) when (ex is SocketException || ex is OperationCanceledException || ex is ObjectDisposedException) { }
        finally
        {
            if (!parked) connection.Dispose();
        }
    }

    private static void Send(Socket connection, byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length) sent += connection.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
    }

    /// <summary>
    /// Reads up to the end of the first JSON value, as Go's streaming decoder does: the client need not close its side,
    /// and anything after the value is ignored. Null when the connection ends before a whole value arrived.
    /// </summary>
    private static byte[]? ReadFirstValue(Socket connection)
    {
        var buffer = new byte[4096];
        int length = 0, scanned = 0, depth = 0;
        bool started = false, inString = false, escaped = false;
        while (true)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            int n = connection.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            if (n == 0) return started && depth == 0 && !inString ? buffer[..length] : null;
            length += n;
            for (; scanned < length; scanned++)
            {
                byte b = buffer[scanned];
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (b == (byte)'\\') escaped = true;
                    else if (b == (byte)'"') { inString = false; if (depth == 0) return buffer[..(scanned + 1)]; }
                    continue;
                }
                if (!started && (b == ' ' || b == '\t' || b == '\r' || b == '\n')) continue;
                started = true;
                if (b == '"') inString = true;
                else if (b == '{' || b == '[') depth++;
                else if (b == '}' || b == ']') { depth--; if (depth == 0) return buffer[..(scanned + 1)]; }
                else if (depth == 0 && (b == ' ' || b == '\n' || b == '\r' || b == '\t')) return buffer[..scanned]; // a bare literal
            }
        }
    }
}

