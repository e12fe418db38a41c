/** One image as a provider answered it: its bytes, or a URL to fetch them from. */
export interface ProviderImage {
  bytes?: Buffer;
  url?: string;
  revisedPrompt?: string;
}
