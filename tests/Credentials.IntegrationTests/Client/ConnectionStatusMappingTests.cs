using System.Net;
using Credentials.Client;

namespace Credentials.Tests.Client;

/// <summary>Each answer of a connection route maps to its own status (docs/client.md, "Connections").</summary>
public sealed class ConnectionStatusMappingTests
{
    [Theory]
    [InlineData(HttpStatusCode.OK, null, ConnectionCallStatus.Succeeded)]
    [InlineData(HttpStatusCode.Created, null, ConnectionCallStatus.Created)]
    [InlineData(HttpStatusCode.Accepted, null, ConnectionCallStatus.Pending)]
    [InlineData(HttpStatusCode.BadRequest, "secret_rejected", ConnectionCallStatus.Rejected)]
    [InlineData(HttpStatusCode.UnprocessableEntity, "import_grant_rejected", ConnectionCallStatus.Rejected)]
    [InlineData(HttpStatusCode.BadRequest, "invalid_metadata", ConnectionCallStatus.InvalidRequest)]
    [InlineData(HttpStatusCode.BadRequest, "invalid_secret", ConnectionCallStatus.InvalidRequest)]
    [InlineData(HttpStatusCode.BadRequest, "invalid_identifier", ConnectionCallStatus.InvalidRequest)]
    [InlineData(HttpStatusCode.NotFound, "connection_not_found", ConnectionCallStatus.NotFound)]
    [InlineData(HttpStatusCode.NotFound, "not_found", ConnectionCallStatus.ServiceNotFound)]
    [InlineData(HttpStatusCode.NotFound, null, ConnectionCallStatus.ServiceNotFound)]
    [InlineData(HttpStatusCode.Conflict, "connection_in_use", ConnectionCallStatus.Conflict)]
    [InlineData(HttpStatusCode.Conflict, "connection_kind_mismatch", ConnectionCallStatus.Conflict)]
    [InlineData(HttpStatusCode.Unauthorized, "invalid_token", ConnectionCallStatus.Unauthenticated)]
    [InlineData(HttpStatusCode.Forbidden, "forbidden", ConnectionCallStatus.Forbidden)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "provider_unavailable", ConnectionCallStatus.Unavailable)]
    [InlineData(HttpStatusCode.BadGateway, "provider_rejected", ConnectionCallStatus.Unavailable)]
    [InlineData(HttpStatusCode.TooManyRequests, null, ConnectionCallStatus.Unavailable)]
    public void Each_answer_has_its_status(HttpStatusCode answer, string? code, ConnectionCallStatus expected) =>
        Assert.Equal(expected, CredentialsClient.ConnectionStatusOf(answer, code));
}
