using System.Text.Json;
using Credentials.WorkerHost.Rpc;

namespace Credentials.WorkerHost;

/// <summary>One function as the worker reported it in its <c>FunctionMetadataResponse</c>, with its trigger read from the raw bindings.</summary>
public sealed class WorkerFunction
{
    private WorkerFunction(RpcFunctionMetadata metadata, IReadOnlyList<JsonElement> bindings, JsonElement trigger)
    {
        Metadata = metadata;
        Bindings = bindings;
        TriggerType = StringOf(trigger, "type")!;
        TriggerName = StringOf(trigger, "name") ?? throw new InvalidOperationException($"Function '{metadata.Name}' has a trigger without a name.");
        Route = StringOf(trigger, "route");
        Schedule = StringOf(trigger, "schedule");
        QueueName = StringOf(trigger, "queueName");
        Connection = StringOf(trigger, "connection");
        Methods = trigger.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array
            ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToArray()
            : [];
    }

    public RpcFunctionMetadata Metadata { get; }

    public string Name => Metadata.Name;

    public string FunctionId => Metadata.FunctionId;

    /// <summary>Each raw binding as the worker reported it (JSON objects).</summary>
    public IReadOnlyList<JsonElement> Bindings { get; }

    public string TriggerType { get; }

    /// <summary>The trigger binding's name: the key of its entry in an invocation's <c>input_data</c>.</summary>
    public string TriggerName { get; }

    public string? Route { get; }

    public string? Schedule { get; }

    /// <summary>A queue trigger's queue, as written (it may hold <c>%Name%</c>), and the name of its storage connection setting.</summary>
    public string? QueueName { get; }

    public string? Connection { get; }

    /// <summary>Upper-case HTTP methods; empty means every method (the host's rule for an HTTP trigger without <c>methods</c>).</summary>
    public IReadOnlyList<string> Methods { get; }

    public bool IsHttp => TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimer => TriggerType.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsQueue => TriggerType.Equals("queueTrigger", StringComparison.OrdinalIgnoreCase);

    public static WorkerFunction From(RpcFunctionMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var bindings = metadata.RawBindings.Select(raw => JsonDocument.Parse(raw).RootElement.Clone()).ToList();
        var trigger = bindings.SingleOrDefault(b => StringOf(b, "type")?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true);
        return trigger.ValueKind == JsonValueKind.Undefined
            ? throw new InvalidOperationException($"Function '{metadata.Name}' reports no trigger binding.")
            : new WorkerFunction(metadata, bindings, trigger);
    }

    /// <summary>
    /// The load request the host sends for this function (GrpcWorkerChannel.GetFunctionLoadRequest): its id, name, entry
    /// point, script file and directory, and one <see cref="BindingInfo"/> per binding with its type, direction and data type
    /// (GrpcMessageConversionExtensions.ToBindingInfo).
    /// </summary>
    public FunctionLoadRequest ToLoadRequest()
    {
        var request = new FunctionLoadRequest
        {
            FunctionId = FunctionId,
            Metadata = new RpcFunctionMetadata
            {
                Name = Metadata.Name,
                Directory = Metadata.Directory,
                EntryPoint = Metadata.EntryPoint,
                ScriptFile = Metadata.ScriptFile,
                IsProxy = false,
            },
        };
        foreach (var binding in Bindings)
        {
            var info = new BindingInfo { Type = StringOf(binding, "type") ?? string.Empty, Direction = DirectionOf(StringOf(binding, "direction")) };
            if (StringOf(binding, "dataType") is { } dataType && Enum.TryParse<BindingInfo.Types.DataType>(dataType, ignoreCase: true, out var parsed))
            {
                info.DataType = parsed;
            }

            request.Metadata.Bindings.Add(StringOf(binding, "name") ?? string.Empty, info);
        }

        foreach (var (key, value) in Metadata.Properties)
        {
            request.Metadata.Properties.Add(key, value);
        }

        return request;
    }

    private static BindingInfo.Types.Direction DirectionOf(string? direction) => direction?.ToUpperInvariant() switch
    {
        "OUT" => BindingInfo.Types.Direction.Out,
        "INOUT" => BindingInfo.Types.Direction.Inout,
        _ => BindingInfo.Types.Direction.In,
    };

    private static string? StringOf(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            // The host reads binding JSON case-insensitively.
            if (property.NameEquals(name) || string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
            }
        }

        return null;
    }
}
