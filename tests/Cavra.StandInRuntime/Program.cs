using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

// cavra-runtime one-shot protocol: [--policy P] [--registry R], one JSON request on stdin, a Decision on stdout.
// Daemon protocol: --serve --socket PATH [--policy P] [--registry R], one request per connection (decision-engine.md §2.6, §3.6).
// CAVRA_STANDIN_BEHAVIOR picks a misbehaviour; CAVRA_STANDIN_LOG appends each request received (one line each; daemon
// requests are prefixed "daemon ").
string behavior = Environment.GetEnvironmentVariable("CAVRA_STANDIN_BEHAVIOR") ?? "normal";
string? policyPath = null, registryPath = null, socketPath = null;
bool serve = false;
for (int i = 0; i < args.Length; i++)
{
    string a = args[i].TrimStart('-');
    string? inline = null;
    int eq = a.IndexOf('=');
    if (eq >= 0) { inline = a[(eq + 1)..]; a = a[..eq]; }
    string Next() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"flag needs an argument: -{a}"));
    switch (a)
    {
        case "policy": policyPath = Next(); break;
        case "registry": registryPath = Next(); break;
        case "socket": socketPath = Next(); break;
        case "serve":
            if (inline != null && inline != "true" && inline != "false") { Console.Error.WriteLine($"invalid boolean value \"{inline}\" for -serve"); return 2; }
            serve = inline != "false";
            break;
        default: Console.Error.WriteLine($"flag provided but not defined: -{a}"); return 2;
    }
}

// In --serve mode only these act at start (a daemon that never listens, or exits at once); the others act per request.
switch (serve && behavior is not ("sleep" or "crash" or "exit-nonzero") ? "normal" : behavior)
{
    case "sleep": Thread.Sleep(TimeSpan.FromMinutes(10)); return 0;
    case "sleep-with-child":
    {
        var child = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        child.Environment["CAVRA_STANDIN_BEHAVIOR"] = "sleep";
        using var p = Process.Start(child)!;
        var pidFile = Environment.GetEnvironmentVariable("CAVRA_STANDIN_PID_FILE");
        if (pidFile != null) File.WriteAllText(pidFile, $"{Environment.ProcessId}\n{p.Id}\n");
        Thread.Sleep(TimeSpan.FromMinutes(10));
        return 0;
    }
    case "crash": throw new InvalidOperationException("stand-in runtime crashed on request");
    case "exit-nonzero": Console.Error.WriteLine("open policy.json: no such file or directory"); return 3;
    case "garbage": Console.Out.Write("this is not json {"); return 0;
    case "array": Console.Out.Write("[]\n"); return 0;
    case "string": Console.Out.Write("\"x\"\n"); return 0;
    case "empty": return 0;
    case "invalid-utf8":
    {
        using var o = Console.OpenStandardOutput();
        o.Write(Encoding.UTF8.GetBytes("{\"decision\": \"allow\", \"reason\": \""));
        o.Write(new byte[] { 0xC3, 0x28 });
        o.Write(Encoding.UTF8.GetBytes("\"}\n"));
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
}

string input = "";
if (behavior != "ignore-stdin")
{
    using var stdin = Console.OpenStandardInput();
    using var ms = new MemoryStream();
    stdin.CopyTo(ms);
    input = Encoding.UTF8.GetString(ms.ToArray());
    var log = Environment.GetEnvironmentVariable("CAVRA_STANDIN_LOG");
    if (log != null) File.AppendAllText(log, Convert.ToBase64String(ms.ToArray()) + "\n");
}
if (behavior == "stderr-flood")
{
    using var e = Console.OpenStandardError();
    var chunk = Encoding.ASCII.GetBytes(new string('e', 64 * 1024));
    for (int k = 0; k < 80; k++) e.Write(chunk);
}

CompiledPolicy? policy = null;
TrustRegistry? registry = null;
var files = new InputFiles();
if (!string.IsNullOrEmpty(policyPath))
{
    var read = files.ReadObject(policyPath);
    if (!read.Valid || !CompiledPolicy.TryLoad(read.Payload, out policy, out var perr)) { Console.Error.WriteLine($"load policy {policyPath}: {(read.Valid ? "invalid policy" : read.Message)}"); return 1; }
}
if (!string.IsNullOrEmpty(registryPath))
{
    var read = files.ReadObject(registryPath);
    if (!read.Valid || !TrustRegistry.TryLoad(read.Payload, out registry, out _)) { Console.Error.WriteLine($"load registry {registryPath}: {read.Message}"); return 1; }
}

if (serve) return await Daemon.Serve(socketPath ?? ".cavra/cavra-runtime.sock", new DecisionEngine(policy, registry), behavior);

ActionRequest request;
if (behavior == "ignore-stdin") request = new ActionRequest { ActionType = "execute_command", Target = "terraform plan" };
else if (!StrictJsonParser.TryParse(input, out var json, out var err) || !ActionRequest.TryParse(json, out request, out _))
{
    Console.Error.WriteLine(err?.Message ?? "cannot decode request");
    return 1;
}

var decision = new DecisionEngine(policy, registry).Evaluate(request);
string text = decision.ToRuntimeJson();
if (behavior == "diverge")
{
    string flipped = decision.Verdict == Decision.Allow ? Decision.Block : Decision.Allow;
    text = text.Replace($"\"decision\": \"{decision.Verdict}\"", $"\"decision\": \"{flipped}\"");
}
Console.Out.Write(text + "\n");
return 0;

/// <summary>The stand-in's <c>--serve</c> mode: the daemon side of decision-engine.md §2.6 and §3.3–3.6.</summary>
internal static class Daemon
{
    private static int _served;

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

            // Malformed request: close without writing anything (§3.6).
            if (request == null || !StrictJsonParser.TryParse(Encoding.UTF8.GetString(request), out var json, out _)
                || !ActionRequest.TryParseContract(json, out var parsed, out _))
                return;
            var decision = engine.Evaluate(parsed);
            string text = decision.ToDaemonJson();
            if (behavior == "diverge")
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

