import type { ReactElement, SVGProps } from 'react';

type P = SVGProps<SVGSVGElement> & { size?: number };

function base({ size = 16, ...rest }: P, children: ReactElement | ReactElement[]): ReactElement {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      {...rest}
    >
      {children}
    </svg>
  );
}

export const Logo = (p: P): ReactElement =>
  base({ size: 22, strokeWidth: 1.9, ...p }, [
    <path key="a" d="M12 21V9" />,
    <path key="b" d="M12 13c-3.5 0-6-2.2-6-5.5C9.5 7.5 12 9.7 12 13z" fill="currentColor" fillOpacity={0.25} />,
    <path key="c" d="M12 10c3.5 0 6-2.2 6-5.5-3.5 0-6 2.2-6 5.5z" fill="currentColor" fillOpacity={0.25} />,
    <path key="d" d="M12 17c3 0 5.5-1.8 5.5-4.6-3 0-5.5 1.8-5.5 4.6z" fill="currentColor" fillOpacity={0.25} />,
  ]);
export const IconOverview = (p: P): ReactElement =>
  base(p, [
    <rect key="a" x="3" y="3" width="7" height="9" rx="1.5" />,
    <rect key="b" x="14" y="3" width="7" height="5" rx="1.5" />,
    <rect key="c" x="14" y="12" width="7" height="9" rx="1.5" />,
    <rect key="d" x="3" y="16" width="7" height="5" rx="1.5" />,
  ]);
export const IconTrophy = (p: P): ReactElement =>
  base(p, [
    <path key="a" d="M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0V4z" />,
    <path key="b" d="M17 5h3v2a3 3 0 0 1-3 3M7 5H4v2a3 3 0 0 0 3 3" />,
  ]);
export const IconSettings = (p: P): ReactElement =>
  base(p, [
    <circle key="a" cx="12" cy="12" r="3" />,
    <path
      key="b"
      d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z"
    />,
  ]);
export const IconPlus = (p: P): ReactElement => base(p, [<path key="a" d="M12 5v14M5 12h14" />]);
export const IconPause = (p: P): ReactElement =>
  base(p, [
    <rect key="a" x="6" y="5" width="4" height="14" rx="1" />,
    <rect key="b" x="14" y="5" width="4" height="14" rx="1" />,
  ]);
export const IconPlay = (p: P): ReactElement => base(p, [<path key="a" d="M7 4.5v15l12-7.5-12-7.5z" />]);
export const IconStop = (p: P): ReactElement => base(p, [<rect key="a" x="5" y="5" width="14" height="14" rx="2" />]);
export const IconSun = (p: P): ReactElement =>
  base(p, [
    <circle key="a" cx="12" cy="12" r="4" />,
    <path
      key="b"
      d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"
    />,
  ]);
export const IconMoon = (p: P): ReactElement =>
  base(p, [<path key="a" d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />]);
export const IconCopy = (p: P): ReactElement =>
  base(p, [
    <rect key="a" x="9" y="9" width="12" height="12" rx="2" />,
    <path key="b" d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1" />,
  ]);
export const IconRefresh = (p: P): ReactElement =>
  base(p, [<path key="a" d="M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4" />]);
export const IconAlert = (p: P): ReactElement =>
  base(p, [
    <path key="a" d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" />,
    <path key="b" d="M12 9v4M12 17h.01" />,
  ]);
export const IconShield = (p: P): ReactElement =>
  base(p, [<path key="a" d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z" />]);
export const IconCheck = (p: P): ReactElement => base(p, [<path key="a" d="M20 6 9 17l-5-5" />]);
export const IconX = (p: P): ReactElement => base(p, [<path key="a" d="M18 6 6 18M6 6l12 12" />]);
export const IconKey = (p: P): ReactElement =>
  base(p, [<circle key="a" cx="7.5" cy="15.5" r="4.5" />, <path key="b" d="m10.7 12.3 9.8-9.8M16 7l3 3M14 9l2 2" />]);
export const IconDrop = (p: P): ReactElement =>
  base(p, [<path key="a" d="M12 2.7s6 6.3 6 11.3a6 6 0 0 1-12 0c0-5 6-11.3 6-11.3z" />]);
export const IconDownload = (p: P): ReactElement => base(p, [<path key="a" d="M12 3v12M7 10l5 5 5-5M5 21h14" />]);
/** A clock turning back: the Backtest screen (strategies replayed over past prices). */
export const IconHistory = (p: P): ReactElement =>
  base(p, [<path key="a" d="M3 12a9 9 0 1 0 3-6.7L3 8" />, <path key="b" d="M3 3v5h5M12 7v5l3 2" />]);
