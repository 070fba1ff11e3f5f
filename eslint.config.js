// Lint rules: typescript-eslint's type-aware recommended set, plus the house
// rules that keep errors typed and promises handled, and the layers of src/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_PREFIX = {
  regex: '^(fs|os|path|child_process|net|dgram|util|crypto|stream)$',
  message: 'use the node: prefix',
};

// The folders of src/ from the bottom up; a folder imports only from lower
// ranks (and the files at src/'s top, which import no folder). Folders of one
// rank do not import each other.
const LAYERS = [
  ['model'],
  ['input'],
  ['netlink', 'proc', 'api'],
  ['ipvs', 'health', 'bgp'],
  ['config'],
  ['daemon'],
  ['import', 'realserver'],
  ['cli'],
];

const layerRules = LAYERS.flatMap((folders, rank) => {
  const above = LAYERS.slice(rank + 1).flat();
  return folders.map((folder) => {
    const forbidden = [...above, ...folders.filter((f) => f !== folder)];
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              NODE_PREFIX,
              ...(forbidden.length === 0
                ? []
                : [
                    {
                      regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
                      message: `src/${folder}/ imports only from the layers below it (the README's Layout), not from ${forbidden.join(', ')}`,
                    },
                  ]),
            ],
          },
        ],
      },
    };
  });
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.lab/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Commands and adapters are async by contract even when one needs no await.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-imports': ['error', { patterns: [NODE_PREFIX] }],
    },
  },
  ...layerRules,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
