declare module 'virtual:readme-examples' {
  /** The README's GraphQL examples (console/vite.config.mts). */
  const examples: import('../readme-examples').ReadmeExample[];
  export default examples;
}
