using Tokenwise.Admin;
using Tokenwise.Hosting;

namespace Tokenwise.Endpoints;

/// <summary>
/// <c>POST /v1/outcomes</c>: the application reports how a business outcome ended (a ticket resolved or
/// not), so spend on the requests that carried its <c>x-tokenwise-outcome</c> id reads as cost per outcome.
/// Outcome ids belong to the reporting key's team.
/// </summary>
public static class OutcomesEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, OutcomeRequest? body, ClientAuthenticator authenticator, AdminService service,
        CancellationToken cancellationToken)
    {
        if (authenticator.Authenticate(ClientKey.From(http.Request), out var key) is { } error)
        {
            return AdminEndpoints.Error(error);
        }

        if (body is null)
        {
            return AdminEndpoints.AdminError(400, "The body must be a JSON object with outcome_id, workflow and status.");
        }

        return await AdminEndpoints.Run(async () =>
            Results.Json(await service.RecordOutcomeAsync(body, key?.Team, cancellationToken), AdminJsonContext.Default.OutcomeInfo, statusCode: 201));
    }
}
