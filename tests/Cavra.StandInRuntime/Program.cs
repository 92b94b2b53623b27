using System.Diagnostics;
using System.Text;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

// A stand-in for cavra-runtime in one-shot mode (decision-engine.md §2.1-§2.4): Go flag syntax (-x or --x, "--x v" or
// "--x=v", "--" ends the flags), flags --policy, --registry and --input (default "-", stdin). Like the real binary it
// loads the policy and registry first (failure: one line on stderr, exit 1), then reads all of stdin, evaluates with the
// built-in engine and prints the Decision as pretty JSON plus a newline, exit 0. A bad flag is exit 2, like Go's flag.
//
// Environment (the pilot passes only argv; the environment is inherited):
//   CAVRA_STANDIN_BEHAVIOR  normal (default) | diverge | sleep | sleep-with-child | exit-leaving-child | crash |
//                           exit-nonzero | garbage | array | string | huge | stderr-flood | ignore-stdin | invalid-utf8 | empty
//   CAVRA_STANDIN_PID_FILE  written at start: this process's id; with a grandchild, a second line with its id
//   CAVRA_STANDIN_LOG       each request received is appended as one line: the stdin bytes, base64
//   CAVRA_STANDIN_ARGV_LOG  each invocation's argv (without the program path) is appended as one JSON array line
const string Usage = "Usage of cavra-runtime:\n  -input string\n    \tpath to request JSON, or - for stdin (default \"-\")\n" +
                     "  -policy string\n    \tpath to compiled policy JSON\n  -registry string\n    \tpath to trust registry JSON";

string behavior = Environment.GetEnvironmentVariable("CAVRA_STANDIN_BEHAVIOR") is { Length: > 0 } b ? b : "normal";
string? pidFile = Environment.GetEnvironmentVariable("CAVRA_STANDIN_PID_FILE");
AppendLine("CAVRA_STANDIN_ARGV_LOG", "[" + string.Join(",", args.Select(a => JsonString(a))) + "]");

string policyPath = "", registryPath = "", inputPath = "-";
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
    if (name is not ("policy" or "registry" or "input")) return FlagError($"flag provided but not defined: -{name}");
    if (value == null)
    {
        if (i + 1 >= args.Length) return FlagError($"flag needs an argument: -{name}");
        value = args[++i];
    }
    switch (name)
    {
        case "policy": policyPath = value; break;
        case "registry": registryPath = value; break;
        default: inputPath = value; break;
    }
}

if (pidFile != null && behavior is not ("sleep-with-child" or "exit-leaving-child")) File.WriteAllText(pidFile, $"{Environment.ProcessId}\n");

switch (behavior)
{
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
if (behavior == "diverge")
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
