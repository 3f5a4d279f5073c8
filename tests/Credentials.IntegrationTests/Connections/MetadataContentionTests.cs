using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Connections;

/// <summary>
/// A metadata patch whose conditional writes keep meeting concurrent writes of the row (refreshes, hand-outs recording
/// <c>LastUsedAt</c>), reproduced against Azurite: every attempt is beaten by a real write that lands just before it.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class MetadataContentionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_patch_that_loses_every_write_race_answers_503_connection_busy_with_retry_after_and_changes_nothing()
    {
        var racer = new ConcurrentWriteBeforeEachReplace(azurite, "mail");
        await using var stack = await ConnectStack.StartAsync(azurite, configureServices: services =>
        {
            var options = new TableClientOptions();
            options.AddPolicy(racer, HttpPipelinePosition.PerCall);
            services.AddSingleton(azurite.CreateServiceClient(options));
        });
        await stack.ConnectAllAsync("u1", "mail");

        racer.Armed = true;
        using (var busy = await PatchAsync(stack, "{\"team\":\"blue\"}"))
        {
            await ProblemAssert.IsAsync(busy, HttpStatusCode.ServiceUnavailable, "connection_busy");
            Assert.NotNull(busy.Headers.RetryAfter);
        }

        Assert.Equal(5, racer.Beaten);
        Assert.Empty((await stack.RecordAsync("u1", "mail")).Metadata);

        racer.Armed = false;
        using var retried = await PatchAsync(stack, "{\"team\":\"blue\"}");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("blue", (await stack.RecordAsync("u1", "mail")).Metadata["team"]);
    }

    private static async Task<HttpResponseMessage> PatchAsync(ConnectStack stack, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, "api/users/u1/connections/mail/metadata")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/merge-patch+json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken());
        return await stack.Host.Client.SendAsync(request);
    }

    /// <summary>
    /// Once armed, lands an unconditional write of <c>LastUsedAt</c> (as a hand-out does) on the row just before each
    /// conditional replace of it is sent, so the replace meets a real 412 from storage.
    /// </summary>
    private sealed class ConcurrentWriteBeforeEachReplace(AzuriteFixture azurite, string connectionId) : HttpPipelinePolicy
    {
        private readonly TableServiceClient _other = azurite.CreateServiceClient();
        private int _beaten;

        public bool Armed { get; set; }

        public int Beaten => Volatile.Read(ref _beaten);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The service writes asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
            if (Armed && message.Request.Method == RequestMethod.Put && message.Request.Headers.TryGetValue("If-Match", out var etag) && etag != "*"
                && uri.Contains($"RowKey='{connectionId}'", StringComparison.Ordinal))
            {
                var table = _other.GetTableClient(message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1].Split('(')[0]);
                var partition = uri.Split("PartitionKey='")[1].Split('\'')[0];
                await table.UpdateEntityAsync(new TableEntity(partition, connectionId) { ["LastUsedAt"] = DateTimeOffset.UtcNow }, ETag.All, TableUpdateMode.Merge);
                Interlocked.Increment(ref _beaten);
            }

            await ProcessNextAsync(message, pipeline);
        }
    }
}
