"""The one exceptions module.

Each error carries a Chinese message for reviewers, an English one for logs, and an exit
code for the CLI. Readers raise these; the pipeline turns an `UnreadableDocument` into an
UNREADABLE_DOCUMENT flag, so a bad file never stops a batch.
"""

from __future__ import annotations


class CredcheckError(Exception):
    exit_code = 1
    code = "CC000"
    message_zh = "处理失败"

    def __init__(self, detail: str = "", *, file: str | None = None, zh: str | None = None):
        self.detail = detail
        self.file = file
        if zh is not None:
            self.message_zh = zh
        super().__init__(f"[{self.code}] {detail}" if detail else f"[{self.code}]")

    def __reduce__(self):
        # Rebuild from the detail, not from the formatted args, so a pickled error (sent back
        # by a worker process) keeps its message unchanged.
        return (type(self), (self.detail,), self.__dict__.copy())

    @property
    def reason_zh(self) -> str:
        """Message for reviewers: what went wrong and what to do."""
        return self.message_zh


class UsageError(CredcheckError):
    exit_code = 2
    code = "CC001"
    message_zh = "命令参数有误"


# --- a file that cannot be read ------------------------------------------------------------


class UnreadableDocument(CredcheckError):
    exit_code = 3
    code = "CC100"
    message_zh = "文件无法读取，请申报人重新提交清晰、完整的扫描件"


class EmptyFile(UnreadableDocument):
    code = "CC101"
    message_zh = "文件为空（0 字节），请重新上传"


class UnsupportedFileType(UnreadableDocument):
    code = "CC102"
    message_zh = "不支持的文件类型，请提交 PDF、JPG、PNG 或 TIFF 格式的扫描件"


class CorruptFile(UnreadableDocument):
    code = "CC103"
    message_zh = "文件已损坏或不完整，无法打开，请重新扫描上传"


class EncryptedFile(UnreadableDocument):
    code = "CC104"
    message_zh = "PDF 文件已加密（设有密码），无法读取，请提交未加密的文件"


class DecompressionBomb(UnreadableDocument):
    code = "CC105"
    message_zh = "图像尺寸异常巨大（疑似压缩炸弹），已拒绝读取"


class FileTooLarge(UnreadableDocument):
    code = "CC111"
    message_zh = "文件过大，请压缩或拆分后重新上传"


class ReaderCrashed(UnreadableDocument):
    code = "CC107"
    message_zh = "读取该文件时解析程序异常退出（文件可能被构造为恶意文件）"


class ReaderTimeout(UnreadableDocument):
    code = "CC108"
    message_zh = "读取该文件超时，已跳过"


class UnsafePath(UnreadableDocument):
    code = "CC109"
    message_zh = "文件是指向申报材料目录以外的链接，出于安全原因未读取"


class PageTooLarge(UnreadableDocument):
    code = "CC110"
    message_zh = "页面尺寸异常巨大，无法按扫描分辨率渲染"


class LinkedFolder(UnreadableDocument):
    code = "CC112"
    message_zh = "这是指向文件夹的链接，出于安全原因未跟随读取，请直接提交文件本身"


class UnreadableName(UnreadableDocument):
    code = "CC113"
    message_zh = "文件名的字符编码无法识别（不是 UTF-8），未读取，请将文件重命名后重新提交"


class FolderUnreadable(UnreadableDocument):
    code = "CC114"
    message_zh = "文件夹无法打开或嵌套层级过深，其中的文件未读取，请整理后重新提交"


class ProcessingFailed(CredcheckError):
    """Our fault, not the file's: an unexpected error in credcheck or its task runner. Not an
    UnreadableDocument, which a read task returns as a result to cache."""

    code = "CC115"
    message_zh = (
        "处理该文件时程序内部出错（不是文件本身的问题），本次未能读取；重新运行核验会再读一次"
    )


# --- an OCR engine that fails ---------------------------------------------------------------


class OcrEngineError(CredcheckError):
    exit_code = 4
    code = "CC200"
    message_zh = "文字识别引擎出错，该页未能识别"


class OcrTimeout(OcrEngineError):
    code = "CC201"
    message_zh = "文字识别超时，该页未能识别"


class OcrEngineUnavailable(OcrEngineError):
    code = "CC202"
    message_zh = "文字识别引擎未安装或无法启动"


class UnknownEngine(OcrEngineError):
    code = "CC203"
    message_zh = "未知的文字识别引擎名称"


# --- declared data --------------------------------------------------------------------------


class DeclaredDataError(CredcheckError):
    exit_code = 5
    code = "CC300"
    message_zh = "申报数据表无法读取"


class ReportPdfError(CredcheckError):
    """The officials' PDF could not be printed (headless Chromium missing, failing or slow)."""

    code = "CC160"
    message_zh = "无法生成 PDF 报告：请确认已安装 chromium（apt-get install chromium），或稍后重试"
