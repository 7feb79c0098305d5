declare module 'virtual:readme-examples' {
  /** The README's GraphQL examples (console/vite.config.mts). */
  const examples: { query: string; variables?: string }[];
  export default examples;
}
