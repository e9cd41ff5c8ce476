import { refusedBy, type CredentialName } from '../errors.js';
import { HttpClient, type HttpClientOptions, type HttpResponse, type RequestSpec } from './http-client.js';

/**
 * The HTTP client of a run that carries a credential: a 401 or 403 says which credential was
 * refused, where it came from, and which backend refused it.
 */
export class CredentialClient extends HttpClient {
  constructor(
    options: HttpClientOptions,
    private readonly credential: CredentialName,
  ) {
    super(options);
  }

  override async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    try {
      return await super.request<T>(spec);
    } catch (error) {
      throw refusedBy(error, this.credential, this.displayUrl);
    }
  }
}
